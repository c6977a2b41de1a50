import type { FailureCause, RequestBucketEvent } from '../history/events.js';
import type { ClinicalFunction } from '../stack/definition.js';

/**
 * Arithmetic over request buckets (kind 'requests'). Counts add up exactly; latency percentiles do not (a
 * percentile of a union is not a function of the parts' percentiles), so merged percentiles are reported only as
 * upper bounds and named so.
 */

/**
 * Latency of merged buckets. `max` is exact. `pXXAtMost` is the largest per-bucket pXX among buckets that had
 * attempts (zero-attempt buckets carry no weight): an upper bound of the true merged pXX, because if every part
 * has at most (100−XX) % of its samples above its own pXX ≤ M, so does the union. Never read it as exact.
 */
export interface LatencyBounds {
  max: number;
  p50AtMost: number;
  p95AtMost: number;
  p99AtMost: number;
}

export interface BucketTotals {
  /** how many bucket events were merged */
  buckets: number;
  /** earliest bucket start and latest bucket end (epoch ms), null for no buckets */
  from: number | null;
  to: number | null;
  attempts: number;
  successes: number;
  /** attempts − successes (the per-cause counts may not cover every failure if a driver leaves one out) */
  failed: number;
  failures: Partial<Record<FailureCause, number>>;
  /** successes ÷ attempts; null when there were no attempts — zero attempts is no evidence, never 100 % */
  availability: number | null;
  /** null when no bucket had attempts */
  latencyMs: LatencyBounds | null;
  /** failed attempts left out because a fault's onset caught them in flight (RequestBucketEvent.caughtByOnset) */
  caughtByOnset?: number;
}

/** One wider window of one function's buckets (see `widenBuckets`). */
export interface WindowTotals extends BucketTotals {
  fn: ClinicalFunction;
  start: number;
  widthMs: number;
}

export function bucketEnd(b: RequestBucketEvent): number {
  return b.bucket + b.widthMs;
}

/** Availability of one bucket: null when it had no attempts. */
export function bucketAvailability(b: RequestBucketEvent): number | null {
  return b.attempts > 0 ? b.successes / b.attempts : null;
}

/** Σsuccesses ÷ Σattempts over the buckets (not a mean of per-bucket ratios); null when there were no attempts. */
export function availabilityOf(buckets: readonly RequestBucketEvent[]): number | null {
  let attempts = 0;
  let successes = 0;
  for (const b of buckets) {
    attempts += b.attempts;
    successes += b.successes;
  }
  return attempts > 0 ? successes / attempts : null;
}

export function addFailures(
  into: Partial<Record<FailureCause, number>>,
  from: Partial<Record<FailureCause, number>>,
): Partial<Record<FailureCause, number>> {
  for (const [cause, n] of Object.entries(from) as [FailureCause, number | undefined][]) {
    if (n) into[cause] = (into[cause] ?? 0) + n;
  }
  return into;
}

/** Sums any set of buckets (any functions, any widths) into one total. */
export function mergeBuckets(buckets: readonly RequestBucketEvent[]): BucketTotals {
  let attempts = 0;
  let successes = 0;
  let from: number | null = null;
  let to: number | null = null;
  const failures: Partial<Record<FailureCause, number>> = {};
  let latency: LatencyBounds | null = null;
  let caught = 0;
  for (const b of buckets) {
    caught += b.caughtByOnset ?? 0;
    attempts += b.attempts;
    successes += b.successes;
    addFailures(failures, b.failures);
    from = from === null ? b.bucket : Math.min(from, b.bucket);
    to = to === null ? bucketEnd(b) : Math.max(to, bucketEnd(b));
    if (b.attempts > 0) {
      const l = b.latencyMs;
      latency = latency
        ? {
            max: Math.max(latency.max, l.max),
            p50AtMost: Math.max(latency.p50AtMost, l.p50),
            p95AtMost: Math.max(latency.p95AtMost, l.p95),
            p99AtMost: Math.max(latency.p99AtMost, l.p99),
          }
        : { max: l.max, p50AtMost: l.p50, p95AtMost: l.p95, p99AtMost: l.p99 };
    }
  }
  return {
    buckets: buckets.length,
    from,
    to,
    attempts,
    successes,
    failed: attempts - successes,
    failures,
    availability: attempts > 0 ? successes / attempts : null,
    latencyMs: latency,
    ...(caught > 0 ? { caughtByOnset: caught } : {}),
  };
}

/** Buckets grouped by function, each group sorted by bucket start. */
export function bucketsByFunction(buckets: readonly RequestBucketEvent[]): Map<ClinicalFunction, RequestBucketEvent[]> {
  const groups = new Map<ClinicalFunction, RequestBucketEvent[]>();
  for (const b of buckets) {
    const group = groups.get(b.fn);
    if (group) group.push(b);
    else groups.set(b.fn, [b]);
  }
  for (const group of groups.values()) group.sort((a, b) => a.bucket - b.bucket);
  return groups;
}

/**
 * One event per (function, bucket start). Several drivers (or a driver flushing twice) may report the same bucket;
 * per-bucket judgements (RTO, continuous steady state) must see their sum, not two half-buckets. Completion
 * instants combine as earliest first success and latest last failure; percentiles as upper bounds (max).
 */
export function coalesceBuckets(buckets: readonly RequestBucketEvent[]): RequestBucketEvent[] {
  const byKey = new Map<string, RequestBucketEvent>();
  for (const b of buckets) {
    const key = `${b.fn}@${b.bucket}`;
    const seen = byKey.get(key);
    if (!seen) {
      byKey.set(key, { ...b, failures: { ...b.failures }, latencyMs: { ...b.latencyMs } });
      continue;
    }
    const latency =
      seen.attempts === 0
        ? { ...b.latencyMs }
        : b.attempts === 0
          ? seen.latencyMs
          : {
              p50: Math.max(seen.latencyMs.p50, b.latencyMs.p50),
              p95: Math.max(seen.latencyMs.p95, b.latencyMs.p95),
              p99: Math.max(seen.latencyMs.p99, b.latencyMs.p99),
              max: Math.max(seen.latencyMs.max, b.latencyMs.max),
            };
    const merged: RequestBucketEvent = {
      ...seen,
      t: Math.max(seen.t, b.t),
      scenarioMs: Math.max(seen.scenarioMs, b.scenarioMs),
      widthMs: Math.max(seen.widthMs, b.widthMs),
      attempts: seen.attempts + b.attempts,
      successes: seen.successes + b.successes,
      failures: addFailures(seen.failures, b.failures),
      latencyMs: latency,
    };
    const firstSuccessAt = minDefined(seen.firstSuccessAt, b.firstSuccessAt);
    const lastFailureAt = maxDefined(seen.lastFailureAt, b.lastFailureAt);
    if (firstSuccessAt === undefined) delete merged.firstSuccessAt;
    else merged.firstSuccessAt = firstSuccessAt;
    if (lastFailureAt === undefined) delete merged.lastFailureAt;
    else merged.lastFailureAt = lastFailureAt;
    const skipped = (seen.skipped ?? 0) + (b.skipped ?? 0);
    if (skipped > 0) merged.skipped = skipped;
    byKey.set(key, merged);
  }
  return [...byKey.values()].sort((a, b) => a.bucket - b.bucket || a.fn.localeCompare(b.fn));
}

/**
 * Merges one function's buckets into windows of `widthMs` (aligned to multiples of it), e.g. 1 s buckets into
 * 10 s windows for a chart. Throws if given several functions: mixing them would hide a dead function.
 */
export function widenBuckets(buckets: readonly RequestBucketEvent[], widthMs: number): WindowTotals[] {
  if (!(widthMs > 0)) throw new RangeError(`window width must be positive, got ${widthMs}`);
  const fns = new Set(buckets.map((b) => b.fn));
  if (fns.size > 1) throw new RangeError(`widenBuckets merges one function at a time, got ${[...fns].join(', ')}`);
  const windows = new Map<number, RequestBucketEvent[]>();
  for (const b of buckets) {
    const start = Math.floor(b.bucket / widthMs) * widthMs;
    const w = windows.get(start);
    if (w) w.push(b);
    else windows.set(start, [b]);
  }
  return [...windows.entries()]
    .sort(([a], [b]) => a - b)
    .map(([start, members]) => ({ ...mergeBuckets(members), fn: members[0]!.fn, start, widthMs }));
}

function minDefined(a: number | undefined, b: number | undefined): number | undefined {
  return a === undefined ? b : b === undefined ? a : Math.min(a, b);
}

function maxDefined(a: number | undefined, b: number | undefined): number | undefined {
  return a === undefined ? b : b === undefined ? a : Math.max(a, b);
}
