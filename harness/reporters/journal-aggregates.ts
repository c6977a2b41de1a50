import type { HistoryEvent, PhaseEvent, RequestBucketEvent } from '../history/events.js';
import { CLINICAL_FUNCTIONS } from '../stack/definition.js';
import { HISTOGRAM_LAYOUT, MergeableHistogram } from '../workload/histogram.js';
import type { JournalFile } from './journal-schema.js';

type FunctionSecond = JournalFile['perFunctionSeconds']['functions'][string][number];

/**
 * The journal's summaries of the `requests` buckets, added up as events arrive: per function and wall second the
 * attempts and their outcomes, and mergeable latency histograms per function and per phase. Everything in them
 * adds, so a long run (the matrix: harness/reporters/journal-spill.ts) can feed its events in chunks and let go of
 * them; a journal written at once feeds them all (`of`). Seconds are kept absolute until the journal's origin is
 * known, the run's first instant.
 */
export class JournalAggregates {
  private readonly seconds = new Map<string, Map<number, FunctionSecond>>();
  /** phases by start, each with its functions' histograms; `before` holds buckets that started before every phase */
  private readonly phases: { phase: PhaseEvent; fns: Map<string, MergeableHistogram> }[] = [];
  private readonly before = new Map<string, MergeableHistogram>();
  private readonly whole = new Map<string, MergeableHistogram>();
  private bucketsWithoutHistogram = 0;
  private firstT = Infinity;
  private lastT = -Infinity;
  private firstBucket = Infinity;

  /** The summaries of `events` at once: phases first, so each bucket finds the phase it started in. */
  static of(events: readonly HistoryEvent[]): JournalAggregates {
    return new JournalAggregates().addAll(events);
  }

  /**
   * Adds a chunk of events. A bucket belongs to the last phase that started at or before it among the phases added so
   * far, this chunk's included: chunks come in time order, so no later chunk holds an earlier phase.
   */
  addAll(events: readonly HistoryEvent[]): this {
    for (const e of events) if (e.kind === 'phase') this.addPhase(e);
    for (const e of events) {
      if (e.t < this.firstT) this.firstT = e.t;
      if (e.t > this.lastT) this.lastT = e.t;
      if (e.kind === 'requests') this.addRequests(e);
    }
    return this;
  }

  /** The run's first and last instants among the events added (undefined: none). */
  get extent(): { min: number; max: number } | undefined {
    return Number.isFinite(this.firstT) ? { min: this.firstT, max: this.lastT } : undefined;
  }

  /**
   * Per clinical function and wall second: the attempts that started in it, their successes and failures by cause,
   * added up from the `requests` buckets starting in that second (pieces cut at a phase edge, and a bucket recorded
   * again for late attempts, add up). Second 0 starts at `originMs`, the whole second at or before the run's first
   * instant.
   */
  perFunctionSeconds(): JournalFile['perFunctionSeconds'] {
    const first = Math.min(this.firstT, this.firstBucket);
    const originMs = Number.isFinite(first) ? Math.floor(first / 1000) * 1000 : 0;
    const functions: Record<string, FunctionSecond[]> = {};
    for (const fn of orderFunctions(this.seconds.keys())) {
      functions[fn] = [...this.seconds.get(fn)!.values()].map((sec) => ({ ...sec, s: sec.s - originMs / 1000 })).sort((a, b) => a.s - b.s);
    }
    return { originMs, functions };
  }

  /**
   * Latency histograms merged from the `requests` buckets' own (harness/workload/histogram.ts): per function over the
   * whole run, and per function per phase — an attempt belongs to the phase in which its bucket starts (the last
   * `phase` event at or before it, as the checkers place it; harness/checkers/phases.ts).
   */
  latency(): JournalFile['latency'] {
    const sparse = (m: Map<string, MergeableHistogram>) => Object.fromEntries(orderFunctions(m.keys()).map((fn) => [fn, m.get(fn)!.toSparse()]));
    const byPhase: JournalFile['latency']['byPhase'] = [];
    if (this.before.size > 0) byPhase.push({ phase: null, from: null, functions: sparse(this.before) });
    for (const p of this.phases) byPhase.push({ phase: p.phase.name, from: p.phase.t, functions: sparse(p.fns) });
    return { layout: HISTOGRAM_LAYOUT, byFunction: sparse(this.whole), byPhase, bucketsWithoutHistogram: this.bucketsWithoutHistogram };
  }

  private addPhase(p: PhaseEvent): void {
    // after every phase at or before its start: of two at one instant, the one recorded later holds what follows
    let i = this.phases.length;
    while (i > 0 && this.phases[i - 1]!.phase.t > p.t) i--;
    this.phases.splice(i, 0, { phase: p, fns: new Map() });
  }

  private addRequests(r: RequestBucketEvent): void {
    if (r.bucket < this.firstBucket) this.firstBucket = r.bucket;
    const abs = Math.floor(r.bucket / 1000);
    let seconds = this.seconds.get(r.fn);
    if (!seconds) this.seconds.set(r.fn, (seconds = new Map()));
    let sec = seconds.get(abs);
    if (!sec) seconds.set(abs, (sec = { s: abs, attempts: 0, successes: 0, failures: {} }));
    sec.attempts += r.attempts;
    sec.successes += r.successes;
    for (const [cause, n] of Object.entries(r.failures)) if (n) sec.failures[cause] = (sec.failures[cause] ?? 0) + n;
    if (r.skipped) sec.skipped = (sec.skipped ?? 0) + r.skipped;

    if (!r.latencyHistogram) {
      if (r.attempts > 0) this.bucketsWithoutHistogram += 1;
      return;
    }
    merge(this.whole, r.fn, r.latencyHistogram);
    const p = lastAtOrBefore(this.phases, r.bucket);
    merge(p < 0 ? this.before : this.phases[p]!.fns, r.fn, r.latencyHistogram);
  }
}

function merge(into: Map<string, MergeableHistogram>, fn: string, h: NonNullable<RequestBucketEvent['latencyHistogram']>): void {
  let m = into.get(fn);
  if (!m) into.set(fn, (m = new MergeableHistogram()));
  m.merge(h);
}

/** Index of the last phase with t ≤ at; −1 when none. */
function lastAtOrBefore(sorted: readonly { phase: { t: number } }[], at: number): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (sorted[mid]!.phase.t <= at) lo = mid + 1;
    else hi = mid;
  }
  return lo - 1;
}

/** The clinical functions in their usual order, anything else after them by name. */
function orderFunctions(fns: Iterable<string>): string[] {
  const rank = (fn: string) => {
    const i = (CLINICAL_FUNCTIONS as readonly string[]).indexOf(fn);
    return i < 0 ? CLINICAL_FUNCTIONS.length : i;
  };
  return [...fns].sort((a, b) => rank(a) - rank(b) || a.localeCompare(b));
}
