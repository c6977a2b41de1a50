import { availabilityByPhase } from '../checkers/availability.js';
import { stalenessByPhase } from '../checkers/staleness.js';
import type { History } from '../history/history.js';
import { journalHistory, type JournalFile, type JournalVerdict } from '../reporters/journal-schema.js';
import { checkRows, leaves, lostWriteRows } from '../reporters/report-data.js';
import { quantileBand } from './counting-noise.js';
import { MergeableHistogram } from '../workload/histogram.js';
import type { FloorName } from './floors.js';

/**
 * What one journal says of each measure the comparison knows, read from the journal alone (docs/compare.md, "How
 * each measure is read"). A measure has a stable key across runs and releases: the function, the fault's id, the
 * phase's name, the reader — never an instant or a summary's wording.
 */
export type MeasureKind = FloorName | 'lostWrites';

export interface MeasureValue {
  key: string;
  kind: MeasureKind;
  label: string;
  /** ms, a ratio 0..1 or a count; +Infinity for an RTO that never came (the function did not recover) */
  value: number;
  /**
   * an availability's attempts and failures, for its counting noise (harness/compare/counting-noise.ts), the wall
   * seconds they were spread over, for the service its failures cost, and whether the window reaches past the run's
   * first disturbance, where failures come in outages (harness/compare/compare.ts)
   */
  counts?: { failures: number; attempts: number; seconds: number; disturbed: boolean };
  /**
   * a percentile's quantile and the attempts it was taken over (too few, and it is not judged), and the latencies
   * between which it lies by sampling alone (`quantileBand`)
   */
  percentile?: { q: number; attempts: number; low?: number; high?: number };
}

export interface CheckValue {
  name: string;
  status: JournalVerdict['status'];
  reason: string;
}

const rec = (x: unknown): Record<string, unknown> | null => (typeof x === 'object' && x !== null && !Array.isArray(x) ? (x as Record<string, unknown>) : null);
const finite = (x: unknown): number | null => (typeof x === 'number' && Number.isFinite(x) ? x : null);

/** Every check (top-level verdict) with its status and reason (report-data's checkRows). */
export function checksOf(journal: JournalFile): CheckValue[] {
  return checkRows(journal);
}

/**
 * A fault's name that is the same in every run of the experiment: a fault id carries a process-wide sequence
 * number (`site-power#73`), so it is named by the timeline step that injected it (its `scheduled` event's `step`),
 * else by its kind and, when the run applied that kind more than once, its place among them (`site-power #2`).
 */
function stableFaultNames(journal: JournalFile): Map<string, string> {
  const kinds = new Map<string, string>();
  const steps = new Map<string, string>();
  for (const e of journal.events as unknown as { kind: string; id: string; fault: string; stage: string; step?: string }[]) {
    if (e.kind !== 'fault') continue;
    if (!kinds.has(e.id)) kinds.set(e.id, e.fault);
    if (e.stage === 'scheduled' && e.step) steps.set(e.id, e.step);
  }
  const names = new Map<string, string>();
  for (const [id, kind] of kinds) {
    const same = [...kinds].filter(([, k]) => k === kind).map(([i]) => i);
    const step = steps.get(id);
    names.set(id, step ? `${kind} (step ${step})` : same.length > 1 ? `${kind} #${same.indexOf(id) + 1}` : kind);
  }
  return names;
}

/**
 * RTO per function and fault, from the rto verdicts' details (harness/checkers/rto.ts, as report-data's rtoRows
 * reads them): the scripted and the measured part apart (scenario time); the wall RTO only when a verdict has no
 * split. `rtoMs: null` is "did not recover": +Infinity in both parts.
 */
function rtoMeasures(journal: JournalFile): MeasureValue[] {
  const out: MeasureValue[] = [];
  const faults = stableFaultNames(journal);
  for (const v of journal.verdicts.flatMap(leaves)) {
    const d = rec(v.details);
    if (!d || !('rtoMs' in d) || typeof d.fn !== 'string') continue;
    const id = typeof d.faultId === 'string' ? d.faultId : null;
    const fault = (id && faults.get(id)) ?? (typeof d.fault === 'string' ? d.fault : '?');
    const at = `rto|${d.fn}|${fault}`;
    const label = `RTO ${d.fn} after ${fault}`;
    const rto = finite(d.rtoMs);
    const split = rec(d.rtoSplit);
    const scripted = finite(split?.scriptedMs);
    const measured = finite(split?.measuredMs);
    if (rto === null || (scripted !== null && measured !== null)) {
      out.push({ key: `${at}|scripted`, kind: 'rto', label: `${label}: scripted part`, value: scripted ?? Infinity });
      out.push({ key: `${at}|measured`, kind: 'rto', label: `${label}: measured part`, value: measured ?? Infinity });
    } else out.push({ key: `${at}|wall`, kind: 'rto', label: `${label} (wall)`, value: rto });
  }
  return out;
}

/**
 * Availability per function and phase (and over the whole run): the availability checker's own computation
 * (availabilityByPhase) over the journal's `requests` events and phase events. A phase that occurs more than once
 * is told apart by its occurrence (#2, #3). A transition — the attempts between asking for a step and its proof
 * ('taking hold', 'healing') — is compared in neither: how long it lasts, and so how many of its attempts fail, is
 * how long the step took (a database's restart under a busy core: 0.5–1.5 s), which is the engine's and the host's,
 * not the release's; its attempts may or may not have been hit, which is why the checkers leave them out too.
 */
function availabilityMeasures(history: History): MeasureValue[] {
  const report = availabilityByPhase(history);
  const disturbed = firstDisturbance(history.all());
  const out: MeasureValue[] = [];
  const seen = new Map<string, number>();
  const inTransitions = new Map<string, { attempts: number; successes: number }>();
  for (const p of report.phases) {
    if (p.transition) {
      for (const f of p.functions) {
        const t = inTransitions.get(f.fn) ?? { attempts: 0, successes: 0 };
        inTransitions.set(f.fn, { attempts: t.attempts + f.attempts, successes: t.successes + f.successes });
      }
      continue;
    }
    const n = (seen.get(p.name) ?? 0) + 1;
    seen.set(p.name, n);
    const where = n === 1 ? `in ${p.name}` : `in ${p.name} #${n}`;
    for (const f of p.functions) {
      if (f.availability !== null) out.push({ key: `availability|${f.fn}|${where}`, kind: 'availability', label: `availability ${f.fn} ${where}`, value: f.availability, counts: countsOf(f, p.end - p.start, p.end > disturbed) });
    }
  }
  for (const whole of report.wholeRun) {
    const t = inTransitions.get(whole.fn) ?? { attempts: 0, successes: 0 };
    const f = { attempts: whole.attempts - t.attempts, successes: whole.successes - t.successes };
    if (f.attempts > 0) out.push({ key: `availability|${whole.fn}|run`, kind: 'availability', label: `availability ${whole.fn} over the whole run`, value: f.successes / f.attempts, counts: countsOf(f, (whole.to ?? 0) - (whole.from ?? 0), disturbed < Infinity) });
  }
  return out;
}

const countsOf = (f: { attempts: number; successes: number }, wallMs: number, disturbed: boolean) => ({ failures: f.attempts - f.successes, attempts: f.attempts, seconds: Math.max(0, wallMs) / 1000, disturbed });

/**
 * Per reader, the peak of how long it was behind the primary (the staleness probe's `lagMs`: since the primary
 * acknowledged the oldest heartbeat the reader did not show), wall ms. Not its staleness: while the primary itself
 * restarts no heartbeat is taken and every reader's staleness grows by the restart's length, which is the engine's
 * and the host's (0.5–1.5 s in three runs of one release with a core busy, and one pair compared as worse on it)
 * and which RTO and availability already judge; the lag grows only while a reader shows less than the primary took.
 * A journal from before the probe recorded lag gives the peak staleness instead, under its own key: the two are
 * never compared with each other.
 */
function stalenessMeasures(history: History): MeasureValue[] {
  const samples = history.ofKind('staleness');
  if (samples.length > 0 && samples.every((s) => s.lagMs !== undefined)) {
    const peaks = new Map<string, { reader: string; via: string; lag: number }>();
    for (const s of samples) {
      if (s.lagMs == null) continue;
      const key = `${s.reader}|${s.via}`;
      const peak = peaks.get(key);
      if (!peak || s.lagMs > peak.lag) peaks.set(key, { reader: s.reader, via: s.via, lag: s.lagMs });
    }
    return [...peaks].sort(([a], [b]) => (a < b ? -1 : 1)).map(([key, p]) => ({ key: `lag|${key}`, kind: 'staleness', label: `peak lag ${p.reader} (${p.via}) behind the primary`, value: p.lag }));
  }
  return stalenessByPhase(history)
    .wholeRun.filter((r) => r.peakMs !== null)
    .map((r) => ({ key: `staleness|${r.reader}|${r.via}`, kind: 'staleness', label: `peak staleness ${r.reader} (${r.via})`, value: r.peakMs! }));
}

/**
 * p50 and p99 per function in steady state: over the attempts before the first fault or action took effect (the
 * gate's window and the baseline; the whole run if nothing was done), from the journal's per-phase mergeable
 * histograms (latency.byPhase). Under a fault, latency is the outage's length — a lookup held while the database
 * restarts takes as long as the restart — which RTO and availability judge, and which varies from run to run by
 * more than a percentile's sampling noise (the same release read a p99 of 1.3 s and 1.9 s in two runs of the
 * restart drill on a busy host).
 */
function latencyMeasures(journal: JournalFile): MeasureValue[] {
  const out: MeasureValue[] = [];
  for (const [fn, h] of steadyStateHistograms(journal)) {
    const sparse = h.toSparse();
    if (sparse.count === 0) continue;
    const percentile = (q: number) => {
      const band = quantileBand(q, sparse.count);
      return { q, attempts: sparse.count, low: h.percentile(band.low), high: h.percentile(band.high) };
    };
    out.push({ key: `latency|${fn}|p50`, kind: 'latencyP50', label: `latency p50 ${fn} in steady state`, value: h.percentile(0.5), percentile: percentile(0.5) });
    out.push({ key: `latency|${fn}|p99`, kind: 'latencyP99', label: `latency p99 ${fn} in steady state`, value: h.percentile(0.99), percentile: percentile(0.99) });
  }
  return out;
}

/**
 * When the run was first disturbed: the earliest instant a fault or action was due or took effect, or a phase
 * opened by a fault's onset began (a `taking hold` before its fault's applied instant); Infinity if never.
 */
export function firstDisturbance(events: readonly { kind: string; t: number; stage?: string; onset?: boolean }[]): number {
  let first = Infinity;
  for (const e of events) {
    const disturbs = (e.kind === 'fault' && (e.stage === 'scheduled' || e.stage === 'applied')) || (e.kind === 'action' && (e.stage === 'scheduled' || e.stage === 'started')) || (e.kind === 'phase' && e.onset === true);
    if (disturbs && e.t < first) first = e.t;
  }
  return first;
}

/**
 * Per function, the latencies of the phases from the first (the gate's window) that ended before the run was first
 * disturbed; the load's first moments, before any phase, are its warm-up and left out.
 */
function steadyStateHistograms(journal: JournalFile): Map<string, MergeableHistogram> {
  const disturbed = firstDisturbance(journal.events as unknown as Parameters<typeof firstDisturbance>[0]);
  const phases = journal.latency.byPhase;
  const out = new Map<string, MergeableHistogram>();
  phases.forEach((p, i) => {
    const end = phases[i + 1]?.from ?? Infinity;
    if (p.from === null || end > disturbed) return;
    for (const [fn, sparse] of Object.entries(p.functions)) {
      let h = out.get(fn);
      if (!h) out.set(fn, (h = new MergeableHistogram()));
      h.merge(sparse);
    }
  });
  return out;
}

/**
 * How long each operator action took, started → completed (wall ms: an action is measured work, 1:1), from the
 * `action` events; one that failed or never completed counts as infinitely long. Keyed by the action's id in the
 * timeline (`failover#1`: the action's name and its place among actions of that name), the same in every run.
 */
function actionMeasures(journal: JournalFile): MeasureValue[] {
  const started = new Map<string, number>();
  const out: MeasureValue[] = [];
  for (const e of journal.events as unknown as { kind: string; id: string; action: string; stage: string; t: number }[]) {
    if (e.kind !== 'action') continue;
    if (e.stage === 'started') started.set(e.id, e.t);
    const from = started.get(e.id);
    if ((e.stage === 'completed' || e.stage === 'failed') && from !== undefined) {
      const n = e.id.slice(e.action.length + 1);
      out.push({ key: `action|${e.id}`, kind: 'actionDuration', label: `duration of ${e.action}${n === '1' ? '' : ` #${n}`}`, value: e.stage === 'completed' ? e.t - from : Infinity });
    }
  }
  return out;
}

/** The lost writes counted by the lost-writes check (report-data's lostWriteRows); absent when no such check ran. */
function lostWriteMeasures(journal: JournalFile): MeasureValue[] {
  const nodes = (v: JournalVerdict): JournalVerdict[] => [v, ...(v.children ?? []).flatMap(nodes)];
  const checked = journal.verdicts.flatMap(nodes).some((v) => Array.isArray(rec(v.details)?.lost));
  return checked ? [{ key: 'lost-writes', kind: 'lostWrites', label: 'lost writes', value: lostWriteRows(journal).length }] : [];
}

/** Every measure of a journal, in a fixed order (RTO, actions, availability, latency, staleness, lost writes); a key once. */
export function measuresOf(journal: JournalFile): MeasureValue[] {
  const history = journalHistory(journal);
  const all = [...rtoMeasures(journal), ...actionMeasures(journal), ...availabilityMeasures(history), ...latencyMeasures(journal), ...stalenessMeasures(history), ...lostWriteMeasures(journal)];
  const keys = new Set<string>();
  return all.filter((m) => !keys.has(m.key) && keys.add(m.key));
}
