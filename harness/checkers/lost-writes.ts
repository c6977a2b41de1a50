import type { WriteEvent } from '../history/events.js';
import { History } from '../history/history.js';
import type { ClinicalFunction } from '../stack/definition.js';
import type { Verdict } from './verdict.js';

/**
 * Jepsen's set checker applied to an EPJ. Every write carries a client-side write id; after the run the caller reads
 * back what the authoritative surviving site holds. Comparing the two sets answers the question nobody could answer
 * in the incident: if we fail over, exactly which acknowledged writes are lost?
 *
 * Classes, per write id:
 *   kept               acknowledged, present with the acknowledged resource id
 *   lost               acknowledged, absent                                   (the headline)
 *   mismatched         acknowledged, present, but under another resource id or type
 *   recovered          outcome unknown (timeout, reset), present              (fine: it committed)
 *   unknown-absent     outcome unknown, absent                                (fine: never acknowledged)
 *   failed             definitely failed, absent                              (fine)
 *   failed-but-present definitely failed (4xx/5xx), present anyway            (anomaly: the client was told no)
 *   unexpected         present, never attempted by this run                   (anomaly: where did it come from?)
 * A write id attempted several times (retries with If-None-Exist) is one write: acknowledged if any attempt was,
 * else unknown if any attempt was, else failed (an unknown retry after a failure may still have committed).
 */
export type WriteClass = 'kept' | 'lost' | 'mismatched' | 'recovered' | 'unknown-absent' | 'failed' | 'failed-but-present' | 'unexpected';

export const WRITE_CLASSES: readonly WriteClass[] = [
  'kept',
  'lost',
  'mismatched',
  'recovered',
  'unknown-absent',
  'failed',
  'failed-but-present',
  'unexpected',
];

/** Classes that make the verdict fail (besides duplicates, see below). */
export const ANOMALOUS_CLASSES: readonly WriteClass[] = ['lost', 'mismatched', 'failed-but-present', 'unexpected'];

/** One resource found on the surviving site, with the write id it carries. */
export interface PresentWrite {
  writeId: string;
  resourceId: string;
  resourceType: string;
}

export interface ClassifiedWrite {
  writeId: string;
  class: WriteClass;
  /** null for `unexpected` (no attempt tells which function) */
  fn: ClinicalFunction | null;
  resourceType: string;
  /** the combined outcome of all attempts; null for `unexpected` */
  outcome: WriteEvent['outcome'] | null;
  attempts: number;
  firstAttemptAt: number | null;
  /** the first acknowledgement */
  acknowledgedAt: number | null;
  acknowledgedScenarioMs: number | null;
  acknowledgedResourceIds: string[];
  presentResourceIds: string[];
}

export interface LostWrite {
  writeId: string;
  fn: ClinicalFunction;
  resourceType: string;
  /** the id the EPJ acknowledged (null if the acknowledgement carried none) */
  resourceId: string | null;
  acknowledgedAt: number;
  scenarioMs: number;
}

/** One write id present under several resource ids: a retry that was not idempotent (e.g. a double admission). */
export interface DuplicatedWrite {
  writeId: string;
  resourceType: string;
  resourceIds: string[];
}

export interface LostWritesResult {
  /** distinct write ids attempted */
  attempted: number;
  /** distinct write ids present on the surviving site */
  present: number;
  counts: Record<WriteClass, number>;
  /** acknowledged but absent, sorted by acknowledgement time */
  lost: LostWrite[];
  lostByFunction: Partial<Record<ClinicalFunction, number>>;
  duplicates: DuplicatedWrite[];
  /** every write id with its class, sorted by first attempt (unexpected ones last) */
  writes: ClassifiedWrite[];
}

function writeEventsOf(source: History | readonly WriteEvent[]): readonly WriteEvent[] {
  return source instanceof History ? source.ofKind('write') : source;
}

export function checkLostWrites(source: History | readonly WriteEvent[], present: readonly PresentWrite[]): LostWritesResult {
  const attemptsById = new Map<string, WriteEvent[]>();
  for (const w of [...writeEventsOf(source)].sort((a, b) => a.t - b.t)) {
    const list = attemptsById.get(w.writeId);
    if (list) list.push(w);
    else attemptsById.set(w.writeId, [w]);
  }
  const presentById = new Map<string, PresentWrite[]>();
  for (const p of present) {
    const list = presentById.get(p.writeId) ?? [];
    // the same resource read back twice is one resource
    if (!list.some((q) => q.resourceId === p.resourceId && q.resourceType === p.resourceType)) list.push(p);
    presentById.set(p.writeId, list);
  }

  const writes: ClassifiedWrite[] = [];
  for (const [writeId, attempts] of attemptsById) {
    const first = attempts[0]!;
    const acks = attempts.filter((a) => a.outcome === 'acknowledged');
    const outcome: WriteEvent['outcome'] =
      acks.length > 0 ? 'acknowledged' : attempts.some((a) => a.outcome === 'unknown') ? 'unknown' : 'failed';
    const found = presentById.get(writeId) ?? [];
    const ackIds = [...new Set(acks.flatMap((a) => (a.resourceId === undefined ? [] : [a.resourceId])))];
    let cls: WriteClass;
    if (outcome === 'acknowledged') {
      // kept only if the surviving site holds THE resource the client was told about (same type, same id)
      const matching = found.filter((p) => p.resourceType === first.resourceType && (ackIds.length === 0 || ackIds.includes(p.resourceId)));
      cls = found.length === 0 ? 'lost' : matching.length > 0 ? 'kept' : 'mismatched';
    } else if (outcome === 'unknown') {
      cls = found.length > 0 ? 'recovered' : 'unknown-absent';
    } else {
      cls = found.length > 0 ? 'failed-but-present' : 'failed';
    }
    const ack = acks[0];
    writes.push({
      writeId,
      class: cls,
      fn: first.fn,
      resourceType: first.resourceType,
      outcome,
      attempts: attempts.length,
      firstAttemptAt: first.t,
      acknowledgedAt: ack?.t ?? null,
      acknowledgedScenarioMs: ack?.scenarioMs ?? null,
      acknowledgedResourceIds: ackIds,
      presentResourceIds: found.map((p) => p.resourceId),
    });
  }
  for (const [writeId, found] of presentById) {
    if (attemptsById.has(writeId)) continue;
    writes.push({
      writeId,
      class: 'unexpected',
      fn: null,
      resourceType: found[0]!.resourceType,
      outcome: null,
      attempts: 0,
      firstAttemptAt: null,
      acknowledgedAt: null,
      acknowledgedScenarioMs: null,
      acknowledgedResourceIds: [],
      presentResourceIds: found.map((p) => p.resourceId),
    });
  }

  const counts = Object.fromEntries(WRITE_CLASSES.map((c) => [c, 0])) as Record<WriteClass, number>;
  for (const w of writes) counts[w.class]++;

  const lost: LostWrite[] = writes
    .filter((w) => w.class === 'lost')
    .map((w) => ({
      writeId: w.writeId,
      fn: w.fn!,
      resourceType: w.resourceType,
      resourceId: w.acknowledgedResourceIds[0] ?? null,
      acknowledgedAt: w.acknowledgedAt!,
      scenarioMs: w.acknowledgedScenarioMs!,
    }))
    .sort((a, b) => a.acknowledgedAt - b.acknowledgedAt || a.writeId.localeCompare(b.writeId));
  const lostByFunction: Partial<Record<ClinicalFunction, number>> = {};
  for (const l of lost) lostByFunction[l.fn] = (lostByFunction[l.fn] ?? 0) + 1;

  const duplicates: DuplicatedWrite[] = [...presentById.entries()]
    .filter(([, found]) => new Set(found.map((p) => p.resourceId)).size > 1)
    .map(([writeId, found]) => ({ writeId, resourceType: found[0]!.resourceType, resourceIds: found.map((p) => p.resourceId) }));

  writes.sort((a, b) => (a.firstAttemptAt ?? Infinity) - (b.firstAttemptAt ?? Infinity) || a.writeId.localeCompare(b.writeId));
  return { attempted: attemptsById.size, present: presentById.size, counts, lost, lostByFunction, duplicates, writes };
}

/**
 * fail: any lost, mismatched, failed-but-present or unexpected write, or a write id present twice (a non-idempotent
 * retry); unknown: no writes were attempted (nothing to lose is no evidence of not losing); pass otherwise.
 */
export function lostWritesVerdict(source: History | readonly WriteEvent[], present: readonly PresentWrite[]): Verdict {
  const result = checkLostWrites(source, present);
  const c = result.counts;
  const anomalies = ANOMALOUS_CLASSES.filter((k) => c[k] > 0).map((k) => `${c[k]} ${k}`);
  if (result.duplicates.length > 0) anomalies.push(`${result.duplicates.length} duplicated`);
  const acknowledged = c.kept + c.lost + c.mismatched;
  const checker = 'lost writes';
  if (anomalies.length > 0) {
    const byFn = Object.entries(result.lostByFunction).map(([fn, n]) => `${fn} ${n}`).join(', ');
    return {
      checker,
      status: 'fail',
      summary: `${anomalies.join(', ')}; ${acknowledged} writes acknowledged` + (byFn ? ` (lost by function: ${byFn})` : ''),
      details: result,
    };
  }
  if (result.attempted === 0) return { checker, status: 'unknown', summary: 'no writes were attempted', details: result };
  return {
    checker,
    status: 'pass',
    summary: `all ${acknowledged} acknowledged writes kept (${c.recovered} recovered, ${c['unknown-absent']} unknown and absent, ${c.failed} failed)`,
    details: result,
  };
}

/**
 * The acknowledged writes in [failureAt − lagMs, failureAt] (one per write id, first acknowledgement): what the
 * replication gap at the instant of failure predicts an asynchronous replica may miss. The upper edge is judged by
 * when a write was sent, not when its acknowledgement was seen: a server that committed it just before it died
 * may be heard a little later by a busy client (measured here: 90 ms after the kill, with both cores busy), and
 * that write is still one the gap explains. The lower edge is its acknowledgement: acknowledged longer ago than
 * the gap, it should have been replicated.
 */
export function expectedLossWindow(source: History | readonly WriteEvent[], failureAt: number, lagMs: number): WriteEvent[] {
  const seen = new Set<string>();
  const inWindow: WriteEvent[] = [];
  for (const w of [...writeEventsOf(source)].sort((a, b) => a.t - b.t)) {
    if (w.outcome !== 'acknowledged' || seen.has(w.writeId)) continue;
    seen.add(w.writeId);
    if (w.t >= failureAt - lagMs && (w.start ?? w.t) <= failureAt) inWindow.push(w);
  }
  return inWindow;
}

export interface LossVersusPrediction {
  /** lost and inside the predicted window */
  lostAsPredicted: LostWrite[];
  /** lost although older than the replication gap explains: the more worrying kind */
  lostOutsidePrediction: LostWrite[];
  /** write ids predicted to be at risk that were not lost (the replica had caught up further than the sample said) */
  predictedButNotLost: string[];
}

/** Compares the set checker's lost writes with `expectedLossWindow`. */
export function compareWithExpectedLoss(result: LostWritesResult, expected: readonly WriteEvent[]): LossVersusPrediction {
  const predicted = new Set(expected.map((w) => w.writeId));
  const lostIds = new Set(result.lost.map((l) => l.writeId));
  return {
    lostAsPredicted: result.lost.filter((l) => predicted.has(l.writeId)),
    lostOutsidePrediction: result.lost.filter((l) => !predicted.has(l.writeId)),
    predictedButNotLost: [...predicted].filter((id) => !lostIds.has(id)),
  };
}
