import { Clock } from '../../../harness/history/clock.js';
import type { FailureCause, NewEvent, RequestBucketEvent, WriteEvent } from '../../../harness/history/events.js';
import { History } from '../../../harness/history/history.js';
import type { ClinicalFunction } from '../../../harness/stack/definition.js';

/** A round wall instant so that bucket starts are multiples of 1000. */
export const T0 = 1_700_000_000_000;
export const at = (seconds: number): number => T0 + seconds * 1000;

/** Records events (sorted by t) into a history whose clock starts at T0. */
export function historyOf(events: NewEvent[], scale = 1): History {
  const h = new History(new Clock(scale, T0));
  for (const e of [...events].sort((a, b) => (a.t ?? 0) - (b.t ?? 0))) h.record(e);
  return h;
}

type BucketExtra = Partial<
  Pick<RequestBucketEvent, 'firstSuccessAt' | 'firstFailureAt' | 'lastFailureAt' | 'firstSuccessAfterLastFailureAt' | 'latencyMs' | 'widthMs' | 'skipped'>
> & {
  failures?: Partial<Record<FailureCause, number>>;
};

/** One request bucket of `fn` starting at second `second`, recorded when it closes. */
export function bucket(fn: ClinicalFunction, second: number, attempts: number, successes: number, extra: BucketExtra = {}): NewEvent {
  const widthMs = extra.widthMs ?? 1000;
  const failed = attempts - successes;
  return {
    kind: 'requests',
    fn,
    t: at(second) + widthMs,
    bucket: at(second),
    widthMs,
    attempts,
    successes,
    failures: extra.failures ?? (failed > 0 ? { timeout: failed } : {}),
    latencyMs: extra.latencyMs ?? { p50: 10, p95: 20, p99: 30, max: 40 },
    ...(extra.firstSuccessAt !== undefined ? { firstSuccessAt: extra.firstSuccessAt } : {}),
    ...(extra.firstFailureAt !== undefined ? { firstFailureAt: extra.firstFailureAt } : {}),
    ...(extra.lastFailureAt !== undefined ? { lastFailureAt: extra.lastFailureAt } : {}),
    ...(extra.firstSuccessAfterLastFailureAt !== undefined ? { firstSuccessAfterLastFailureAt: extra.firstSuccessAfterLastFailureAt } : {}),
    ...(extra.skipped !== undefined ? { skipped: extra.skipped } : {}),
  };
}

/** Buckets for seconds [from, to) with the same counts: `good` = 10/10, `bad` = 0/10, `empty` = 0/0. */
export function run(fn: ClinicalFunction, from: number, to: number, kind: 'good' | 'bad' | 'empty'): NewEvent[] {
  const out: NewEvent[] = [];
  for (let s = from; s < to; s++) out.push(kind === 'good' ? bucket(fn, s, 10, 10) : kind === 'bad' ? bucket(fn, s, 10, 0) : bucket(fn, s, 0, 0));
  return out;
}

export function phase(name: string, second: number): NewEvent {
  return { kind: 'phase', name, t: at(second) };
}

export function applied(id: string, second: number, fault = 'site-power'): NewEvent {
  return { kind: 'fault', id, fault, stage: 'applied', target: 'site-a', t: at(second) };
}

export function write(
  writeId: string,
  outcome: WriteEvent['outcome'],
  second: number,
  extra: Partial<Pick<WriteEvent, 'fn' | 'resourceType' | 'resourceId' | 'status' | 'start'>> = {},
): NewEvent {
  return {
    kind: 'write',
    fn: extra.fn ?? 'clinical-note',
    writeId,
    resourceType: extra.resourceType ?? 'DocumentReference',
    outcome,
    t: at(second),
    ...(extra.resourceId !== undefined ? { resourceId: extra.resourceId } : {}),
    ...(extra.status !== undefined ? { status: extra.status } : {}),
    ...(extra.start !== undefined ? { start: extra.start } : {}),
  };
}
