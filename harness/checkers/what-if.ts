import type { StalenessEvent, WriteEvent } from '../history/events.js';
import type { History } from '../history/history.js';
import type { ClinicalFunction } from '../stack/definition.js';
import type { ReplicationMode } from '../stack/reference-stack.js';
import { formatDuration } from './format.js';
import { historyEnd, phaseWindow } from './phases.js';
import type { Verdict } from './verdict.js';

/**
 * The what-if failover curve: for each second of a run, the acknowledged writes that a failover at that instant
 * would lose — acknowledged at the primary, not yet applied at the replica. "Applied" is never guessed from a lag
 * figure; it is proven, one of two ways (docs/measurements.md):
 *
 *   synchronous  under `remote_apply` the primary acknowledges a commit only after the synchronous standby has
 *                replayed it, so every acknowledged write was applied by its acknowledgement: the curve is 0 by
 *                construction, whatever the samples say.
 *   heartbeat    otherwise, the staleness probe's samples of the replica (harness/probes/staleness.ts): a heartbeat
 *                written at the primary at instant h and visible at the replica at instant r proves that every
 *                commit before h was replayed by r — a write acknowledged before h committed before the heartbeat's
 *                transaction began, so its commit record precedes the heartbeat's in the WAL, which the replica
 *                replays in order. At instant T the proof is the newest heartbeat any sample up to T showed; the
 *                writes acknowledged from that heartbeat's instant up to T are not proven applied, and are counted.
 *
 * The heartbeat count is therefore an upper bound, exact to within the heartbeat interval plus the sampling delay
 * (writes/s × that); it never under-counts. A write acknowledged several times (retries) counts once, from its
 * first acknowledgement; writes with an unknown outcome were never acknowledged and are not counted.
 */

export type WhatIfBasis = 'synchronous' | 'heartbeat' | 'none';

export interface WhatIfPoint {
  /** start of the second, epoch ms */
  second: number;
  /** the instant evaluated: the replica's last sample in that second, else the second's last millisecond */
  t: number;
  scenarioMs: number;
  /** acknowledged writes a failover at `t` would lose; null while nothing is known of the replica */
  wouldLose: number | null;
  byFunction: Partial<Record<ClinicalFunction, number>>;
  /** every write acknowledged before this instant is proven applied at the replica (null: none is) */
  appliedBefore: number | null;
}

export interface WhatIfOptions {
  /** the replica a failover would promote: a `sql` staleness reader (default: the only one in the history) */
  replica?: string;
  /** how the primary replicates to it (replicationModeOf(stack definition)); default async */
  replication?: ReplicationMode;
  /** window [from, to), epoch ms (default: from the replica's first sample to the end of the history) */
  from?: number;
  to?: number;
  /** or the window of the first phase of this name */
  phase?: string;
  /** the verdict fails when a failover at some instant would lose more than this (default 0) */
  maxWouldLose?: number;
}

export interface WhatIfResult {
  replica: string | null;
  replication: ReplicationMode;
  basis: WhatIfBasis;
  from: number;
  to: number;
  perSecond: WhatIfPoint[];
  /** the worst instant evaluated (every replica sample in the window and every per-second point) */
  max: WhatIfPoint | null;
  /** writes first acknowledged inside the window */
  acknowledged: number;
  /** seconds with nothing known of the replica yet */
  unknownSeconds: number;
  verdict: Verdict;
}

/** First acknowledgement per write id, by time. */
function acknowledgements(history: History): WriteEvent[] {
  const first = new Map<string, WriteEvent>();
  for (const w of history.ofKind('write')) {
    if (w.outcome !== 'acknowledged') continue;
    const seen = first.get(w.writeId);
    if (!seen || w.t < seen.t) first.set(w.writeId, w);
  }
  return [...first.values()].sort((a, b) => a.t - b.t);
}

/** Index of the first element of sorted `xs` that is > x (or ≥ x when `inclusive` is false). */
function bound(xs: readonly number[], x: number, strictlyAbove: boolean): number {
  let lo = 0;
  let hi = xs.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (strictlyAbove ? xs[mid]! <= x : xs[mid]! < x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

function defaultReplica(history: History): { replica: string | null; problem?: string } {
  const sqlReaders = [...new Set(history.ofKind('staleness').filter((s) => s.via === 'sql').map((s) => s.reader))];
  if (sqlReaders.length === 1) return { replica: sqlReaders[0]! };
  if (sqlReaders.length === 0) return { replica: null, problem: 'no replica was sampled by SQL (was the staleness probe running?)' };
  return { replica: null, problem: `several replicas were sampled (${sqlReaders.join(', ')}): name the one a failover would promote` };
}

export function whatIfFailover(history: History, opts: WhatIfOptions = {}): WhatIfResult {
  const replication = opts.replication ?? 'async';
  const synchronous = replication === 'remote_apply';
  const chosen = opts.replica !== undefined ? { replica: opts.replica } : defaultReplica(history);
  const replica = chosen.replica;
  const samples: StalenessEvent[] = replica === null ? [] : history.ofKind('staleness').filter((s) => s.reader === replica && s.heartbeatAt !== null).sort((a, b) => a.t - b.t);
  const basis: WhatIfBasis = synchronous ? 'synchronous' : samples.length > 0 ? 'heartbeat' : 'none';

  const acks = acknowledgements(history);
  const ackT = acks.map((w) => w.t);
  const sampleT = samples.map((s) => s.t);
  // newest heartbeat proven visible by each sample's instant (a replica never un-applies)
  const provenBefore: number[] = [];
  for (const s of samples) provenBefore.push(Math.max(provenBefore.at(-1) ?? -Infinity, s.heartbeatAt!));

  const window = opts.phase !== undefined ? phaseWindow(history, opts.phase) : undefined;
  const end = historyEnd(history) + 1; // exclusive: the last event is inside the window
  const from = opts.from ?? window?.from ?? (basis === 'heartbeat' ? sampleT[0]! : Math.min(ackT[0] ?? end, end));
  const to = opts.to ?? window?.to ?? end;

  const evaluate = (second: number, t: number): WhatIfPoint => {
    const scenarioMs = history.clock.toScenario(t);
    if (synchronous) return { second, t, scenarioMs, wouldLose: 0, byFunction: {}, appliedBefore: t };
    const known = bound(sampleT, t, true) - 1;
    if (known < 0) return { second, t, scenarioMs, wouldLose: null, byFunction: {}, appliedBefore: null };
    const appliedBefore = provenBefore[known]!;
    const first = bound(ackT, appliedBefore, false);
    const last = bound(ackT, t, true);
    const byFunction: Partial<Record<ClinicalFunction, number>> = {};
    for (let i = first; i < last; i++) byFunction[acks[i]!.fn] = (byFunction[acks[i]!.fn] ?? 0) + 1;
    return { second, t, scenarioMs, wouldLose: Math.max(0, last - first), byFunction, appliedBefore };
  };

  const perSecond: WhatIfPoint[] = [];
  let max: WhatIfPoint | null = null;
  const consider = (p: WhatIfPoint) => {
    if (p.wouldLose !== null && (max === null || p.wouldLose > max.wouldLose!)) max = p;
  };
  if (to > from) {
    for (let second = Math.floor(from / 1000) * 1000; second < to; second += 1000) {
      const lo = Math.max(second, from);
      const hi = Math.min(second + 1000, to);
      const i = bound(sampleT, hi, false) - 1; // last sample before hi
      const t = i >= 0 && sampleT[i]! >= lo ? sampleT[i]! : hi - 1;
      perSecond.push(evaluate(second, t));
    }
    for (const t of sampleT) if (t >= from && t < to) consider(evaluate(Math.floor(t / 1000) * 1000, t));
    for (const p of perSecond) consider(p);
  }
  const acknowledged = bound(ackT, to, false) - bound(ackT, from, false);
  const unknownSeconds = perSecond.filter((p) => p.wouldLose === null).length;
  const result = { replica, replication, basis, from, to, perSecond, max: max as WhatIfPoint | null, acknowledged, unknownSeconds };
  return { ...result, verdict: whatIfVerdict(result, opts.maxWouldLose ?? 0, chosen.problem) };
}

function whatIfVerdict(r: Omit<WhatIfResult, 'verdict'>, allowed: number, problem: string | undefined): Verdict {
  const checker = 'what-if failover';
  const details = { replica: r.replica, replication: r.replication, basis: r.basis, maxWouldLose: allowed, max: r.max, acknowledged: r.acknowledged, unknownSeconds: r.unknownSeconds };
  if (r.basis === 'none') return { checker, status: 'unknown', summary: problem ?? `nothing is known of replica ${r.replica} (no staleness sample with a heartbeat)`, details };
  if (r.acknowledged === 0) return { checker, status: 'unknown', summary: 'no write was acknowledged in the window (nothing to lose is no evidence of not losing)', details };
  const worst = r.max;
  if (!worst) return { checker, status: 'unknown', summary: `nothing is known of replica ${r.replica} inside the window`, details };
  const n = worst.wouldLose!;
  const byFn = Object.entries(worst.byFunction).map(([fn, k]) => `${fn} ${k}`).join(', ');
  const how = r.basis === 'synchronous' ? `${r.replication}: every acknowledged write was applied` : `proven by heartbeats at ${r.replica}`;
  const unknown = r.unknownSeconds > 0 ? `; ${r.unknownSeconds} s with nothing known of the replica` : '';
  const ok = n <= allowed;
  return {
    checker,
    status: ok ? 'pass' : 'fail',
    summary:
      `a failover at the worst instant (scenario ${formatDuration(worst.scenarioMs)}) would lose ${n} of ${r.acknowledged} acknowledged writes` +
      `${byFn ? ` (${byFn})` : ''} ${ok ? '≤' : '>'} ${allowed} allowed — ${how}${unknown}`,
    details,
  };
}
