import type { FailureCause, RequestBucketEvent } from '../history/events.js';
import type { ClinicalFunction } from '../stack/definition.js';
import { MergeableHistogram } from './histogram.js';

/** What the aggregator needs of one completed attempt. */
export interface AttemptSample {
  /** the arrival's slot, epoch ms: the attempt belongs to the bucket (and phase) in which it started */
  start: number;
  fn: ClinicalFunction;
  ok: boolean;
  latencyMs: number;
  cause: FailureCause | null;
  /** slot → sent, ms (default 0) */
  sendLagMs?: number;
}

/** A closed bucket (or piece of one), ready to be recorded as a `requests` event. */
export type BucketRecord = Omit<RequestBucketEvent, 'kind' | 't' | 'scenarioMs'>;

export interface BucketAggregatorOptions {
  /** bucket width, ms (default 1000) */
  widthMs?: number;
  /**
   * a bucket is flushed once it ended this long ago. Buckets are keyed by start, so this must cover the longest
   * attempt (the per-attempt timeout) plus the time its line takes to arrive (default 2500 = 2 s timeout + 0.5 s)
   */
  graceMs?: number;
  emit: (bucket: BucketRecord) => void;
}

interface Sample {
  start: number;
  ok: boolean;
  latencyMs: number;
  cause: FailureCause | null;
  sendLagMs: number;
}

const CAUSES: readonly (FailureCause | null)[] = [null, 'timeout', 'refused', 'reset', 'http-4xx', 'http-5xx', 'not-sent', 'other'];

/** An open bucket's attempts, column-wise in typed arrays: ~25 bytes an attempt instead of an object's ~100. */
class SampleColumns {
  length = 0;
  private start = new Float64Array(16);
  private latency = new Float64Array(16);
  private lag = new Float32Array(16);
  private outcome = new Uint8Array(16); // 0 = ok, else 1 + index of the cause

  push(s: Sample): void {
    if (this.length === this.start.length) this.grow();
    const i = this.length++;
    this.start[i] = s.start;
    this.latency[i] = s.latencyMs;
    this.lag[i] = s.sendLagMs;
    this.outcome[i] = s.ok ? 0 : Math.max(1, CAUSES.indexOf(s.cause ?? 'other'));
  }

  /** The attempts that started in [from, to). */
  between(from: number, to: number): Sample[] {
    const out: Sample[] = [];
    for (let i = 0; i < this.length; i++) {
      const start = this.start[i]!;
      if (start < from || start >= to) continue;
      const o = this.outcome[i]!;
      out.push({ start, ok: o === 0, latencyMs: this.latency[i]!, cause: o === 0 ? null : (CAUSES[o] ?? 'other'), sendLagMs: this.lag[i]! });
    }
    return out;
  }

  private grow(): void {
    const n = this.start.length * 2;
    const start = new Float64Array(n);
    const latency = new Float64Array(n);
    const lag = new Float32Array(n);
    const outcome = new Uint8Array(n);
    start.set(this.start);
    latency.set(this.latency);
    lag.set(this.lag);
    outcome.set(this.outcome);
    [this.start, this.latency, this.lag, this.outcome] = [start, latency, lag, outcome];
  }
}

interface OpenBucket {
  fn: ClinicalFunction;
  bucket: number;
  samples: SampleColumns;
  skips: number[];
}

/**
 * Folds attempts into per-function buckets by their START instant, and cuts a bucket at every phase edge inside it
 * (`addEdge`), so an attempt is counted in the phase in which it started whatever the bucket width or time scale.
 * The attempts of a bucket are kept only until it is flushed (width + grace after it began), so memory is bounded
 * by rate × (width + grace) per function, never by the length of the run. An attempt that arrives for a bucket
 * already flushed opens it again and it is flushed once more, so readers must sum events with the same
 * (fn, bucket); `late` counts such attempts, `lateEdges` the edges that came after their bucket was flushed (the
 * checkers see such a bucket straddle its phase edge and say `unknown`; harness/checkers/evidence.ts).
 */
export class BucketAggregator {
  readonly widthMs: number;
  readonly graceMs: number;
  private readonly open = new Map<string, OpenBucket>();
  private readonly flushedUpTo = new Map<ClinicalFunction, number>();
  /** per function, the instant before which every attempt has been added (the load generator's watermark) */
  private readonly reportedUpTo = new Map<ClinicalFunction, number>();
  private readonly edges: number[] = [];
  /** the edges where a fault first took effect (`addEdge(t, true)`) */
  private readonly onsets = new Set<number>();
  late = 0;
  lateEdges = 0;
  emitted = 0;

  constructor(private readonly opts: BucketAggregatorOptions) {
    this.widthMs = opts.widthMs ?? 1000;
    this.graceMs = opts.graceMs ?? 2500;
    if (!(this.widthMs > 0) || !(this.graceMs >= 0)) throw new RangeError('bucket width must be > 0 and grace ≥ 0');
  }

  add(a: AttemptSample): void {
    this.bucketOf(a.fn, a.start).samples.push({ start: a.start, ok: a.ok, latencyMs: a.latencyMs, cause: a.cause, sendLagMs: a.sendLagMs ?? 0 });
  }

  /** An arrival the load generator was itself too late to send: not an attempt, kept as a mark against the harness. */
  skip(fn: ClinicalFunction, start: number): void {
    this.bucketOf(fn, start).skips.push(start);
  }

  /**
   * A phase starts at `t`: buckets holding it are cut there when flushed. `onset`: the phase begins where a fault
   * first took effect, so a failed attempt of the phase before that was still in flight then is the fault's
   * (see `flush`).
   */
  addEdge(t: number, onset = false): void {
    if (onset) this.onsets.add(t);
    if (this.edges.includes(t)) return;
    const bucket = Math.floor(t / this.widthMs) * this.widthMs;
    if ([...this.flushedUpTo.values()].some((upTo) => bucket < upTo) && t !== bucket) this.lateEdges += 1;
    this.edges.push(t);
    this.edges.sort((x, y) => x - y);
  }

  /** Flushes every bucket that ended at least `graceMs` before `now`; returns how many. */
  flushDue(now: number): number {
    let n = 0;
    for (const [key, b] of this.open) {
      if (b.bucket + this.widthMs + this.graceMs <= now) {
        this.flush(key, b);
        n += 1;
      }
    }
    this.forgetEdgesBefore(now - this.widthMs - this.graceMs - this.widthMs);
    return n;
  }

  /** Every attempt of `fn` that started before `upTo` has been added (epj-load's watermark line). */
  reported(fn: ClinicalFunction, upTo: number): void {
    this.reportedUpTo.set(fn, Math.max(this.reportedUpTo.get(fn) ?? -Infinity, upTo));
  }

  /** The instant before which each function's attempts are all in (-Infinity for one never reported). */
  reportedBefore(fn: ClinicalFunction): number {
    return this.reportedUpTo.get(fn) ?? -Infinity;
  }

  /**
   * Flushes, ahead of the grace, every bucket of `functions` that started before `t`, once each function's attempts
   * are all in up to the end of the bucket holding `t`'s last instant; false (nothing flushed) until then. The caller
   * vouches that no phase edge before `t` is still to come (an edge is stamped after the fact, and the grace exists
   * for that too): the run skeleton does so for the steady-state window, whose edges it records itself
   * (harness/experiment/run.ts). Nor before the wall clock has passed that end: a watermark with nothing in flight
   * is the next slot, which may lie ahead, and an edge stamped now must not fall in a bucket already recorded.
   */
  closeBefore(t: number, functions: readonly ClinicalFunction[], now = Date.now()): boolean {
    const end = Math.ceil(t / this.widthMs) * this.widthMs;
    if (now < end || functions.some((fn) => this.reportedBefore(fn) < end)) return false;
    for (const [key, b] of [...this.open.entries()].sort((x, y) => x[1].bucket - y[1].bucket)) {
      if (b.bucket < t && functions.includes(b.fn)) this.flush(key, b);
    }
    return true;
  }

  /** Flushes everything still open (end of run), oldest first. */
  flushAll(): number {
    const all = [...this.open.entries()].sort((x, y) => x[1].bucket - y[1].bucket);
    for (const [key, b] of all) this.flush(key, b);
    return all.length;
  }

  get openBuckets(): number {
    return this.open.size;
  }

  private bucketOf(fn: ClinicalFunction, start: number): OpenBucket {
    const bucket = Math.floor(start / this.widthMs) * this.widthMs;
    const key = `${fn}@${bucket}`;
    let b = this.open.get(key);
    if (!b) {
      b = { fn, bucket, samples: new SampleColumns(), skips: [] };
      this.open.set(key, b);
    }
    if (bucket < (this.flushedUpTo.get(fn) ?? -Infinity)) this.late += 1;
    return b;
  }

  private forgetEdgesBefore(t: number): void {
    while (this.edges.length > 0 && this.edges[0]! < t) this.onsets.delete(this.edges.shift()!);
  }

  /**
   * A failed attempt caught by a fault's onset: it arrived before the phase after its own began with a fault taking
   * effect, and was not answered then — in flight, or still waiting for a worker. It started in one phase and failed
   * because of the next — a request under way when the power went — so it is counted in neither
   * (harness/checkers/buckets.ts).
   */
  private caughtByOnset(s: Sample): boolean {
    if (s.ok || this.onsets.size === 0) return false;
    const next = this.edges.find((e) => e > s.start);
    return next !== undefined && this.onsets.has(next) && next <= s.start + s.sendLagMs + s.latencyMs;
  }

  private flush(key: string, b: OpenBucket): void {
    this.open.delete(key);
    const end = b.bucket + this.widthMs;
    this.flushedUpTo.set(b.fn, Math.max(this.flushedUpTo.get(b.fn) ?? -Infinity, end));
    const cuts = [b.bucket, ...this.edges.filter((e) => e > b.bucket && e < end), end];
    for (let i = 0; i + 1 < cuts.length; i++) {
      const from = cuts[i]!;
      const to = cuts[i + 1]!;
      const all = b.samples.between(from, to);
      const samples = all.filter((x) => !this.caughtByOnset(x));
      const caught = all.length - samples.length;
      const skipped = b.skips.filter((s) => s >= from && s < to).length;
      if (all.length === 0 && skipped === 0) continue;
      this.emitted += 1;
      this.opts.emit({ ...summarise(b.fn, from, to - from, samples, skipped), ...(caught > 0 ? { caughtByOnset: caught } : {}) });
    }
  }
}

/**
 * One bucket's (or piece's) record from its attempts. Its latencies are kept twice: as percentiles (`latencyMs`) and
 * as a mergeable histogram of every attempt (`latencyHistogram`, only non-empty bins; harness/workload/histogram.ts),
 * so buckets, phases and runs can be added up later (the journal's per-phase histograms, docs/journal.md).
 */
export function summarise(fn: ClinicalFunction, bucket: number, widthMs: number, samples: readonly Sample[], skipped = 0): BucketRecord {
  const sorted = [...samples].sort((x, y) => x.start - y.start);
  const hist = new MergeableHistogram();
  const failures: Partial<Record<FailureCause, number>> = {};
  let successes = 0;
  let firstSuccessAt: number | undefined;
  let firstFailureAt: number | undefined;
  let lastFailureAt: number | undefined;
  let firstSuccessAfterLastFailureAt: number | undefined;
  let maxSendLagMs = 0;
  for (const s of sorted) {
    hist.record(s.latencyMs);
    maxSendLagMs = Math.max(maxSendLagMs, s.sendLagMs);
    if (s.ok) {
      successes += 1;
      firstSuccessAt ??= s.start;
      firstSuccessAfterLastFailureAt ??= s.start;
    } else {
      const cause = s.cause ?? 'other';
      failures[cause] = (failures[cause] ?? 0) + 1;
      firstFailureAt ??= s.start;
      lastFailureAt = s.start;
      firstSuccessAfterLastFailureAt = undefined;
    }
  }
  return {
    fn,
    bucket,
    widthMs,
    attempts: sorted.length,
    successes,
    failures,
    latencyMs: {
      p50: round(hist.percentile(0.5)),
      p95: round(hist.percentile(0.95)),
      p99: round(hist.percentile(0.99)),
      max: sorted.length > 0 ? round(hist.max) : 0,
    },
    ...(firstSuccessAt === undefined ? {} : { firstSuccessAt }),
    ...(firstFailureAt === undefined ? {} : { firstFailureAt }),
    ...(lastFailureAt === undefined ? {} : { lastFailureAt }),
    ...(firstSuccessAfterLastFailureAt === undefined ? {} : { firstSuccessAfterLastFailureAt }),
    ...(skipped > 0 ? { skipped } : {}),
    ...(sorted.length > 0 ? { maxSendLagMs: round(maxSendLagMs) } : {}),
    ...(sorted.length > 0 ? { latencyHistogram: hist.toSparse() } : {}),
  };
}

function round(ms: number): number {
  return Math.round(ms * 1000) / 1000;
}
