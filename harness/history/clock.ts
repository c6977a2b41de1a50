/**
 * Scenario time vs wall time. Outages last hours; a scenario is written in scenario time and replayed `scale`
 * times faster: at scale 60 one scenario minute takes one wall second. Both clocks start at `startWall`.
 */
export class Clock {
  constructor(
    readonly scale = 1,
    readonly startWall = Date.now(),
  ) {
    if (!(scale > 0) || !Number.isFinite(scale)) throw new RangeError(`time scale must be a positive number, got ${scale}`);
  }

  now(): number {
    return Date.now();
  }

  toScenario(wallMs: number): number {
    return (wallMs - this.startWall) * this.scale;
  }

  /** The wall instant at which scenario time `scenarioMs` is reached. */
  toWall(scenarioMs: number): number {
    return this.startWall + scenarioMs / this.scale;
  }
}
