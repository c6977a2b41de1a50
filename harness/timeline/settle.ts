import type { WorkKind } from '../history/clock.js';
import type { FailureCause } from '../history/events.js';
import type { ClinicalFunction } from '../stack/definition.js';
import { sleep } from '../stack/wait/poll.js';

/**
 * When has the stack finished reacting to a piece of work? A kill, a heal or a promotion is over when its call
 * returns, but the EPJ's answer to it — functions failing, reconnecting, coming back — takes real time after that,
 * and that time is measured work too (harness/history/clock.ts): at 600× a 3-s reconnect must not read 30 min.
 *
 * Settled: every function the load drives has, among the attempts that started after the work ended, a run of
 * completed attempts with one outcome (all up or all down) that is at least `sameOutcomes` long and whose starts
 * span at least `stableMs`. After work that restores (a heal, a boot, a failover) that span is longer, and a run of
 * failures settles only if the EPJ ANSWERED them (an HTTP error, a refused connection) — failures it answered and
 * failures it did not are two outcomes there, so a change from one to the other starts a new run: timeouts and resets after a
 * switch came back are an EPJ still reconnecting, and its recovery is measured work however long it takes (a busy
 * run's EPJ took 7 s; read at scripted pace, its 0.4 s beyond a 5-s span became 4 min at 600×). A function down by
 * design answers its errors and settles. A function that keeps flapping, or keeps timing out, holds the clock at
 * 1:1 until `capMs`, so a scripted wait is never stretched by more than that.
 *
 * A refusal on the content (a 4xx other than 408 and 429) says nothing either way: the data answered, and it answers
 * so whether the stack is still reacting or not — a discharge at B of an encounter a failover lost is refused 404 for
 * as long as the load picks that patient, beside successes once B serves and beside 5xx while B's integration
 * engine is out of reach. Such attempts are passed over and the function judged on the others (only refusals: on
 * those, as answered). Counted as an outcome of their own, such a steady mix never settled, and each split-brain
 * run held the clock at 1:1 for the full cap. Availability still counts them as failures.
 */
export interface SettleOptions {
  /** consecutive completed attempts of one outcome that make a function settled (default 5) */
  sameOutcomes?: number;
  /** the longest the clock waits for the stack to settle (default 20 s) */
  capMs?: number;
  /**
   * the span of attempt starts one outcome must hold for, after work that breaks / restores (default 1 s / 3 s), and
   * after work that restores for a function still failing (default 5 s; without it, `restore`)
   */
  stableMs?: { break: number; restore: number; restoreDown?: number };
  /** poll interval (default 100 ms) */
  intervalMs?: number;
}

interface Recent {
  /** start instants and outcomes of the latest completed attempts, in completion order */
  starts: number[];
  oks: boolean[];
  /** whether each got an answer (success, or an error the EPJ gave) rather than a timeout or a reset */
  answered: boolean[];
  /** whether each was refused on its content (a 4xx but 408 and 429): passed over in judging */
  refused: boolean[];
}

/** failures that got no answer from the EPJ */
const UNANSWERED: ReadonlySet<FailureCause> = new Set(['timeout', 'reset', 'not-sent']);

/** client errors that say the server could not serve in time, not that the data refused: a stack still reacting */
const NOT_REFUSALS: ReadonlySet<number> = new Set([408, 429]);

/** enough for a 5-s span (a function still failing after restoring work) at the fastest function's rate (45/s) */
const KEEP = 512;

export class SettleWatch {
  private readonly recent = new Map<ClinicalFunction, Recent>();
  private readonly sameOutcomes: number;
  private readonly capMs: number;
  private readonly intervalMs: number;
  private readonly stableMs: { break: number; restore: number; restoreDown: number };

  constructor(opts: SettleOptions = {}) {
    // After restoring work, 3 s of service: in 329 recoveries of 40 journals (library and drills, a core busy) no
    // function that had served for 2.5 s failed again before the next step, and the span is wall time every restore
    // adds to a run. Still failing, 5 s: an EPJ's back-off answers errors too (503 for 5 s after losing its
    // database, in the release comparison's planted regression), and read as "down by design" after 3 s, the rest
    // of it ran at scripted pace (2 s at 60×: 2 min).
    const stable = opts.stableMs ?? { break: 1000, restore: 3000, restoreDown: 5000 };
    this.stableMs = { ...stable, restoreDown: stable.restoreDown ?? stable.restore };
    this.sameOutcomes = opts.sameOutcomes ?? 5;
    this.capMs = opts.capMs ?? 20_000;
    this.intervalMs = opts.intervalMs ?? 100;
  }

  /** Feed of completed attempts (harness/workload/driver.ts `onAttempt`); `cause` and HTTP `status` of a failure, when known. */
  observe(fn: ClinicalFunction, start: number, ok: boolean, cause?: FailureCause | null, status?: number): void {
    let r = this.recent.get(fn);
    if (!r) this.recent.set(fn, (r = { starts: [], oks: [], answered: [], refused: [] }));
    r.starts.push(start);
    r.oks.push(ok);
    r.answered.push(ok || !UNANSWERED.has(cause ?? 'other'));
    r.refused.push(!ok && cause === 'http-4xx' && !NOT_REFUSALS.has(status ?? 0));
    if (r.starts.length > KEEP) {
      for (const list of [r.starts, r.oks, r.answered, r.refused]) list.splice(0, list.length - KEEP);
    }
  }

  /** True when every function seen has settled since wall instant `since`. */
  isSettled(since: number, kind: WorkKind = 'break'): boolean {
    if (this.recent.size === 0) return true; // no load, nothing to watch
    const span = this.stableMs[kind === 'break' ? 'break' : 'restore'];
    const downSpan = kind === 'break' ? span : this.stableMs.restoreDown;
    for (const r of this.recent.values()) {
      // the latest run of one outcome among attempts started since the work ended, newest completion first
      let n = 0;
      let outcome: boolean | undefined;
      let answered = true;
      let earliest = Infinity;
      let latest = -Infinity;
      const refusals = { n: 0, earliest: Infinity, latest: -Infinity };
      for (let i = r.starts.length - 1; i >= 0; i--) {
        const start = r.starts[i]!;
        if (start < since) continue;
        if (r.refused[i]) {
          refusals.n++;
          refusals.earliest = Math.min(refusals.earliest, start);
          refusals.latest = Math.max(refusals.latest, start);
          continue;
        }
        if (outcome === undefined) {
          outcome = r.oks[i];
          answered = r.answered[i]!;
        } else if (r.oks[i] !== outcome) break;
        // After restoring work a failure the EPJ answers is another outcome than one it did not: timeouts that turn
        // into answered errors (the EPJ back, an integration it calls still off by design) are a change, and the
        // answered run is judged from its own start — counted together, the early timeouts kept it unsettled
        // until the cap.
        else if (kind === 'restore' && !outcome && r.answered[i] !== answered) break;
        n++;
        earliest = Math.min(earliest, start);
        latest = Math.max(latest, start);
      }
      if (outcome === undefined) {
        // nothing but refusals since the work: the EPJ answers, on the content
        if (refusals.n < this.sameOutcomes || refusals.latest - refusals.earliest < span) return false;
        continue;
      }
      if (n < this.sameOutcomes || latest - earliest < (outcome ? span : downSpan)) return false;
      // after restoring work, silence is not an answer: the stack may still be coming back
      if (kind === 'restore' && outcome === false && !answered) return false;
    }
    return true;
  }

  /** True when every function seen has answered its latest attempts started since `since` with successes, refusals on the content passed over (settled back). */
  isBack(since: number, kind: WorkKind = 'restore'): boolean {
    if (!this.isSettled(since, kind)) return false;
    for (const r of this.recent.values()) {
      for (let i = r.starts.length - 1; i >= 0; i--) {
        if (r.starts[i]! < since || r.refused[i]) continue;
        if (!r.oks[i]) return false;
        break; // the latest run is one outcome (isSettled): its newest says which
      }
    }
    return true;
  }

  /** Resolves when settled since `since`, at the cap, or when aborted; says which. */
  async settled(since: number, kind: WorkKind = 'break', signal?: AbortSignal): Promise<'settled' | 'cap' | 'aborted'> {
    const deadline = since + this.capMs;
    for (;;) {
      if (signal?.aborted) return 'aborted';
      if (this.isSettled(since, kind)) return 'settled';
      if (Date.now() >= deadline) return 'cap';
      await sleep(Math.min(this.intervalMs, deadline - Date.now()), signal);
    }
  }
}
