import type { RequestBucketEvent } from '../../harness/history/events.js';
import type { ClinicalFunction } from '../../harness/stack/definition.js';
import { MergeableHistogram } from '../../harness/workload/histogram.js';

/**
 * One synthetic second of a function's requests, as epj-load's driver would record it (histogram and percentiles
 * from the same latencies): for reports built from made-up journals (test/integration/html-report.test.ts,
 * bench/report.ts). A failing second is all timeouts at 2 s.
 */
export function syntheticRequests(
  fn: ClinicalFunction,
  bucket: number,
  attempts: number,
  failing: boolean,
  latencyMs: () => number,
): Omit<RequestBucketEvent, 't' | 'scenarioMs' | 'clockMark'> {
  const h = new MergeableHistogram();
  for (let i = 0; i < attempts; i++) h.record(failing ? 2000 : latencyMs());
  return {
    kind: 'requests',
    fn,
    bucket,
    widthMs: 1000,
    attempts,
    successes: failing ? 0 : attempts,
    failures: failing ? { timeout: attempts } : {},
    latencyMs: { p50: h.percentile(0.5), p95: h.percentile(0.95), p99: h.percentile(0.99), max: h.max },
    latencyHistogram: h.toSparse(),
  };
}
