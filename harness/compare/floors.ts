/**
 * The floors of `epj-chaos compare` (docs/compare.md): how much worse a measure must be before it counts, on top
 * of the run-to-run noise. A measure is worse only when the difference of the medians exceeds the spread of both
 * sides AND this floor — both its relative part (against the baseline's median) and its absolute part. With one
 * run per side there is no spread, and the floor alone decides.
 *
 * This table is the one place these numbers live.
 */
export type MeasureUnit = 'ms' | 'ratio' | 'count';

export interface Floor {
  /** which way is worse */
  worse: 'higher' | 'lower';
  /** at least this fraction of the baseline's median (0: no relative part) */
  relative: number;
  /** and at least this much, in `unit` (ms; a ratio 0..1, so 0.005 is 0.5 percentage points) */
  absolute: number;
  unit: MeasureUnit;
  /** the floor in words, for the documentation and the reports */
  words: string;
}

export const FLOORS = {
  /** RTO per function and fault, each part (scripted, measured) and the wall RTO when there is no split */
  rto: { worse: 'higher', relative: 0.2, absolute: 500, unit: 'ms', words: 'at least 20 % and 0.5 s longer' },
  /** an operator action's duration (a failover, a switchover, an upgrade step's runbook), started → completed */
  actionDuration: { worse: 'higher', relative: 0.2, absolute: 500, unit: 'ms', words: 'at least 20 % and 0.5 s longer' },
  /** per function, over the whole run (latency.byFunction) */
  latencyP99: { worse: 'higher', relative: 0.2, absolute: 20, unit: 'ms', words: 'at least 20 % and 20 ms higher' },
  /** per function; a p50 moves less than a p99, so its absolute part is smaller */
  latencyP50: { worse: 'higher', relative: 0.2, absolute: 10, unit: 'ms', words: 'at least 20 % and 10 ms higher' },
  /** per function and phase: successes ÷ attempts */
  availability: { worse: 'lower', relative: 0, absolute: 0.005, unit: 'ratio', words: 'at least 0.5 percentage points lower' },
  /**
   * and what a lower availability cost: its failures as seconds of the function's attempts, judged as an RTO (an
   * outage's length varies from run to run; harness/compare/compare.ts)
   */
  lostService: { worse: 'higher', relative: 0.2, absolute: 500, unit: 'ms', words: 'a lower availability counts only when its failures cost at least 20 % and 0.5 s more of the function’s service' },
  /** per reader over the whole run: peak lag behind the primary (peak staleness in journals without lag) */
  staleness: { worse: 'higher', relative: 0.2, absolute: 1000, unit: 'ms', words: 'at least 20 % and 1 s higher' },
} as const satisfies Record<string, Floor>;

export type FloorName = keyof typeof FLOORS;
