import type { FailureCause, RequestBucketEvent } from '../history/events.js';
import type { ClinicalFunction } from '../stack/definition.js';
import { LatencyHistogram } from './histogram.js';

/** What the aggregator needs of one completed attempt. */
export interface AttemptSample {
  /** completion instant, epoch ms */
  t: number;
  fn: ClinicalFunction;
  ok: boolean;
  latencyMs: number;
  cause: FailureCause | null;
}

/** A closed bucket, ready to be recorded as a `requests` event. */
export type BucketRecord = Omit<RequestBucketEvent, 'kind' | 't' | 'scenarioMs'>;

export interface BucketAggregatorOptions {
  /** bucket width, ms (default 1000) */
  widthMs?: number;
  /** a bucket is flushed once it ended this long ago (default 500: ~1.5 s after it began) */
  graceMs?: number;
  emit: (bucket: BucketRecord) => void;
}

interface OpenBucket {
  fn: ClinicalFunction;
  bucket: number;
  attempts: number;
  successes: number;
  failures: Partial<Record<FailureCause, number>>;
  hist: LatencyHistogram;
  firstSuccessAt?: number;
  lastFailureAt?: number;
}

/**
 * Folds attempts into per-function, per-bucket counts and latency histograms. Memory is bounded by the number of
 * open buckets (functions × buckets younger than width + grace), never by the number of attempts. An attempt that
 * arrives for a bucket already flushed opens it again and it is flushed once more, so readers must sum events with
 * the same (fn, bucket); `late` counts such attempts (zero in practice: lines arrive within milliseconds).
 */
export class BucketAggregator {
  readonly widthMs: number;
  readonly graceMs: number;
  private readonly open = new Map<string, OpenBucket>();
  private readonly flushedUpTo = new Map<ClinicalFunction, number>();
  late = 0;
  emitted = 0;

  constructor(private readonly opts: BucketAggregatorOptions) {
    this.widthMs = opts.widthMs ?? 1000;
    this.graceMs = opts.graceMs ?? 500;
    if (!(this.widthMs > 0) || !(this.graceMs >= 0)) throw new RangeError('bucket width must be > 0 and grace ≥ 0');
  }

  add(a: AttemptSample): void {
    const bucket = Math.floor(a.t / this.widthMs) * this.widthMs;
    const key = `${a.fn}@${bucket}`;
    let b = this.open.get(key);
    if (!b) {
      if (bucket < (this.flushedUpTo.get(a.fn) ?? -Infinity)) this.late += 1;
      b = { fn: a.fn, bucket, attempts: 0, successes: 0, failures: {}, hist: new LatencyHistogram() };
      this.open.set(key, b);
    } else if (bucket < (this.flushedUpTo.get(a.fn) ?? -Infinity)) {
      this.late += 1;
    }
    b.attempts += 1;
    b.hist.record(a.latencyMs);
    if (a.ok) {
      b.successes += 1;
      if (b.firstSuccessAt === undefined || a.t < b.firstSuccessAt) b.firstSuccessAt = a.t;
    } else {
      const cause = a.cause ?? 'other';
      b.failures[cause] = (b.failures[cause] ?? 0) + 1;
      if (b.lastFailureAt === undefined || a.t > b.lastFailureAt) b.lastFailureAt = a.t;
    }
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
    return n;
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

  private flush(key: string, b: OpenBucket): void {
    this.open.delete(key);
    this.flushedUpTo.set(b.fn, Math.max(this.flushedUpTo.get(b.fn) ?? -Infinity, b.bucket + this.widthMs));
    this.emitted += 1;
    this.opts.emit({
      fn: b.fn,
      bucket: b.bucket,
      widthMs: this.widthMs,
      attempts: b.attempts,
      successes: b.successes,
      failures: b.failures,
      latencyMs: {
        p50: round(b.hist.percentile(0.5)),
        p95: round(b.hist.percentile(0.95)),
        p99: round(b.hist.percentile(0.99)),
        max: round(b.hist.max),
      },
      ...(b.firstSuccessAt === undefined ? {} : { firstSuccessAt: b.firstSuccessAt }),
      ...(b.lastFailureAt === undefined ? {} : { lastFailureAt: b.lastFailureAt }),
    });
  }
}

function round(ms: number): number {
  return Math.round(ms * 1000) / 1000;
}
