import { pollUntil } from '../stack/wait/poll.js';

/** What one running load says of its progress (harness/workload/driver.ts). */
export interface ReportingLoad {
  /** the instant before which every attempt of every function it drives has been read */
  reportedBefore(): number;
  /** flushes its buckets that started before `t` if their attempts are all in; true once done */
  closeBefore(t: number): boolean;
}

const POLL_MS = 20;

/**
 * How far the running loads have reported, so the run skeleton waits for what it needs instead of an attempt
 * timeout: every attempt that started before an instant has ended (before a heal), or every bucket before it is in
 * the history (the steady-state window). A load without watermarks (a user's k6) never passes one, and the wait
 * falls back to its cap, the fixed wait it replaces.
 */
export class LoadWatermark {
  private readonly loads = new Set<ReportingLoad>();
  /** one load that cannot report (k6): the watermark never moves */
  private blind = false;

  /** Called by a load as it starts; the returned function as it ends (then everything it read is recorded). */
  attach(load: ReportingLoad): () => void {
    this.loads.add(load);
    return () => this.loads.delete(load);
  }

  /** A load that reports no watermark drives the same functions: nothing can be waited for ahead of the cap. */
  attachBlind(): void {
    this.blind = true;
  }

  /** Every attempt started before `t` has ended and been read; false when `capMs` passed first (or aborted). */
  async reported(t: number, opts: { capMs: number; signal?: AbortSignal }): Promise<boolean> {
    return this.until(() => [...this.loads].every((l) => l.reportedBefore() >= t), opts);
  }

  /** Every bucket that started before `t` is recorded in the history; false when `capMs` passed first. */
  async recorded(t: number, opts: { capMs: number; signal?: AbortSignal }): Promise<boolean> {
    return this.until(() => [...this.loads].map((l) => l.closeBefore(t)).every(Boolean), opts);
  }

  private async until(done: () => boolean, opts: { capMs: number; signal?: AbortSignal }): Promise<boolean> {
    return pollUntil('the load\'s watermark', async () => !this.blind && done(), { timeoutMs: opts.capMs, intervalMs: POLL_MS, ...(opts.signal ? { signal: opts.signal } : {}) }).then(
      () => true,
      () => false,
    );
  }
}
