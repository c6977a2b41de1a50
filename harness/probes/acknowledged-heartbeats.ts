/**
 * The heartbeats a primary acknowledged on one channel of the staleness probe (harness/probes/staleness.ts), kept
 * until every reader has shown them, so a reader's lag can be told from its staleness. Lag is measured from the
 * acknowledgement, not the heartbeat's write instant: a heartbeat sent while the primary restarts is stamped when it
 * was sent but taken only when the primary is back (1.4 s later in a busy run), and no replica can show it before.
 */
export class AcknowledgedHeartbeats {
  /** in the order they were acknowledged */
  private readonly acks: { at: number; ackedAt: number }[] = [];

  /** the primary acknowledged the heartbeat stamped `at`, at `ackedAt` */
  acknowledge(at: number, ackedAt: number): void {
    this.acks.push({ at, ackedAt });
  }

  /**
   * How long a reader that shows the heartbeat stamped `shown` had been behind at `sent`: since the primary
   * acknowledged the oldest heartbeat newer than that one (0 when it had none by then); null when it shows none.
   */
  lagAt(sent: number, shown: number | null): number | null {
    if (shown === null) return null;
    for (const a of this.acks) {
      if (a.ackedAt > sent) break;
      if (a.at > shown) return sent - a.ackedAt;
    }
    return 0;
  }

  /** forgets the heartbeats stamped at or before `shown`, which every reader shows */
  forget(shown: number): void {
    let keep = 0;
    while (keep < this.acks.length && this.acks[keep]!.at <= shown) keep++;
    // stops at the first to keep: one stamped earlier but acknowledged later stays a little longer, which is harmless
    if (keep > 0) this.acks.splice(0, keep);
  }

  get size(): number {
    return this.acks.length;
  }
}
