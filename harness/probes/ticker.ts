/**
 * Runs a task at a fixed rate — tick k at start + k × interval, so a slow tick does not push the later ones back —
 * with at most `maxInFlight` runs at once: a tick that finds that many still running is skipped (counted), so a
 * hung target cannot pile up requests. Ticks missed while the event loop was busy are dropped, not run in a burst.
 * The task must bound its own duration (its request deadlines); stop() waits for the runs in flight and never rejects.
 */
export class Ticker {
  private readonly inFlight = new Set<Promise<void>>();
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;
  private started = 0;
  skipped = 0;
  runs = 0;

  constructor(
    private readonly intervalMs: number,
    private readonly maxInFlight: number,
    private readonly task: () => Promise<void>,
  ) {
    if (!(intervalMs > 0)) throw new RangeError(`interval must be > 0 ms, got ${intervalMs}`);
    if (!(maxInFlight >= 1)) throw new RangeError(`maxInFlight must be ≥ 1, got ${maxInFlight}`);
  }

  /** Starts ticking after `offsetMs` (a reader half a period after its writer samples at a steady phase). */
  start(offsetMs = 0): void {
    this.started = Date.now() + offsetMs;
    if (offsetMs > 0) this.timer = setTimeout(() => this.tick(), offsetMs);
    else this.tick();
  }

  private tick(): void {
    if (this.stopped) return;
    if (this.inFlight.size >= this.maxInFlight) {
      this.skipped++;
    } else {
      this.runs++;
      const run: Promise<void> = this.task()
        .catch(() => {
          /* the task reports its own failures */
        })
        .finally(() => this.inFlight.delete(run));
      this.inFlight.add(run);
    }
    const elapsed = Date.now() - this.started;
    const next = (Math.floor(elapsed / this.intervalMs) + 1) * this.intervalMs;
    this.timer = setTimeout(() => this.tick(), next - elapsed);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    await Promise.allSettled([...this.inFlight]);
  }
}
