/**
 * Scenario time vs wall time: compress the waits, never the work (docs/architecture.md, "Time").
 *
 * A scenario is written in scenario time and replayed `scale` times faster — but only its scripted waits ("mains
 * back after 31 min"). What the stack itself takes (a kill, containers booting, a promotion, an EPJ reconnecting
 * after a heal) is measured work: while any is under way the scenario clock runs 1:1 with the wall, so about 1 s of
 * failover reads "1 s", not "10 min" at 600×. The clock is therefore piecewise: a list of segments, each starting at
 * a wall instant with the scenario instant reached there and its mark. Both clocks start at `startWall` (scenario 0).
 */
export type ClockMark = 'scripted' | 'measured';

/**
 * What a piece of work does to the stack: `break` (a kill, a toxic) — functions fail within their timeout; `restore`
 * (a heal, a boot) — what the fault broke comes back only as fast as the stack reconnects, which is the point of
 * measuring it, so the settler waits longer for it, and for timeouts to end (harness/timeline/settle.ts); `act` (an
 * operator's failover or start) — a restore whose reach the harness does not know, so functions that keep timing
 * out (down by design, or at a site it gave up) do not hold the clock.
 */
export type WorkKind = 'break' | 'restore' | 'act';

export interface ClockSegment {
  /** wall epoch ms where the segment starts */
  wall: number;
  /** scenario ms reached at that instant */
  scenario: number;
  mark: ClockMark;
}

/** The parts of a duration: `scriptedMs` in scenario time (compressed on the wall), `measuredMs` real. */
export interface SplitDuration {
  scriptedMs: number;
  measuredMs: number;
}

export class Clock {
  private segs: ClockSegment[];
  private measuring = 0;
  private changeWaiters: Array<() => void> = [];
  private segmentListeners = new Set<(s: ClockSegment) => void>();
  /**
   * Called when measured work ends, with its end instant; the measured stretch lasts until the promise settles —
   * the stack's reaction to the work (functions failing or coming back) is measured too (harness/timeline/settle.ts).
   */
  settler?: (workEndedAt: number, kind: WorkKind) => Promise<void>;

  constructor(
    readonly scale = 1,
    startWall = Date.now(),
  ) {
    if (!(scale > 0) || !Number.isFinite(scale)) throw new RangeError(`time scale must be a positive number, got ${scale}`);
    this.segs = [{ wall: startWall, scenario: 0, mark: 'scripted' }];
  }

  /** A clock with recorded segments (a journal's `clock` events), for checkers reading a finished run. */
  static fromSegments(scale: number, segments: ClockSegment[]): Clock {
    const c = new Clock(scale, segments[0]?.wall ?? 0);
    const sorted = [...segments].sort((a, b) => a.wall - b.wall);
    if (sorted.length > 0) c.segs = [sorted[0]!];
    for (const seg of sorted.slice(1)) c.append(seg);
    return c;
  }

  get startWall(): number {
    return this.segs[0]!.wall;
  }

  get segments(): readonly ClockSegment[] {
    return this.segs;
  }

  now(): number {
    return Date.now();
  }

  /** Moves scenario 0 to `wall` and forgets the segments (the timeline starts there). */
  restart(wall: number): void {
    this.segs = [{ wall, scenario: 0, mark: this.measuring > 0 ? 'measured' : 'scripted' }];
    this.emit(this.segs[0]!);
  }

  private rate(mark: ClockMark): number {
    return mark === 'measured' ? 1 : this.scale;
  }

  /** The segment holding wall instant `wallMs` (the first one for instants before it). */
  private segmentAtWall(wallMs: number): ClockSegment {
    let lo = 0;
    let hi = this.segs.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (this.segs[mid]!.wall <= wallMs) lo = mid;
      else hi = mid - 1;
    }
    return this.segs[lo]!;
  }

  toScenario(wallMs: number): number {
    const s = this.segmentAtWall(wallMs);
    return s.scenario + (wallMs - s.wall) * this.rate(s.mark);
  }

  /** The wall instant at which scenario time `scenarioMs` is reached (at the current pace, for a future instant). */
  toWall(scenarioMs: number): number {
    let s = this.segs[0]!;
    for (const x of this.segs) if (x.scenario <= scenarioMs) s = x;
    return s.wall + (scenarioMs - s.scenario) / this.rate(s.mark);
  }

  /** Which clock the wall instant fell in. */
  markAt(wallMs: number): ClockMark {
    return this.segmentAtWall(wallMs).mark;
  }

  /** Scenario duration between two wall instants, split into its scripted and its measured part. */
  split(fromWall: number, toWall: number): SplitDuration {
    let scriptedMs = 0;
    let measuredMs = 0;
    if (toWall <= fromWall) return { scriptedMs, measuredMs };
    for (let i = 0; i < this.segs.length; i++) {
      const s = this.segs[i]!;
      const start = i === 0 ? -Infinity : s.wall;
      const end = this.segs[i + 1]?.wall ?? Infinity;
      const overlap = Math.min(end, toWall) - Math.max(start, fromWall);
      if (overlap <= 0) continue;
      if (s.mark === 'measured') measuredMs += overlap;
      else scriptedMs += overlap * this.scale;
    }
    return { scriptedMs, measuredMs };
  }

  /**
   * Marks measured work from now until the returned function is called (idempotent), then for as long as the
   * settler says the stack is still reacting. Overlapping work keeps the clock at 1:1 until the last one ends.
   */
  beginMeasured(kind: WorkKind = 'restore'): () => void {
    if (this.measuring++ === 0) this.push('measured');
    let ended = false;
    return () => {
      if (ended) return;
      ended = true;
      const release = () => {
        if (--this.measuring === 0) this.push('scripted');
      };
      const settling = this.settler?.(Date.now(), kind);
      if (settling) void settling.catch(() => {}).finally(release);
      else release();
    };
  }

  /** Runs `work` as measured work (harness/faults/fault.ts, harness/timeline/timeline.ts). */
  async measure<T>(work: () => Promise<T>, kind: WorkKind = 'restore'): Promise<T> {
    const end = this.beginMeasured(kind);
    try {
      return await work();
    } finally {
      end();
    }
  }

  /** Resolves at the next change of pace (a waiter for a scenario instant recomputes its wall instant then). */
  changed(): Promise<void> {
    return new Promise((resolve) => this.changeWaiters.push(resolve));
  }

  /** Each new segment as it starts (the history records it as a `clock` event, so a journal can rebuild the clock). */
  onSegment(listener: (s: ClockSegment) => void): () => void {
    this.segmentListeners.add(listener);
    return () => this.segmentListeners.delete(listener);
  }

  private push(mark: ClockMark): void {
    const wall = Math.max(Date.now(), this.segs.at(-1)!.wall);
    const seg: ClockSegment = { wall, scenario: this.toScenario(wall), mark };
    this.append(seg);
    this.emit(seg);
  }

  /** A segment starting where the last one did replaces it; one with the pace of the one before merges into it. */
  private append(seg: ClockSegment): void {
    const last = this.segs.at(-1)!;
    if (last.wall === seg.wall && this.segs.length > 1) this.segs.pop();
    else if (last.wall === seg.wall) {
      this.segs[0] = { ...last, mark: seg.mark };
      return;
    }
    if (this.segs.at(-1)!.mark !== seg.mark) this.segs.push(seg);
  }

  private emit(seg: ClockSegment): void {
    for (const l of this.segmentListeners) l(seg);
    const waiters = this.changeWaiters;
    this.changeWaiters = [];
    for (const w of waiters) w();
  }
}
