import { whatIfFailover } from '../../checkers/what-if.js';
import type { ActionEvent, FaultEvent, LagEvent, PhaseEvent, RequestBucketEvent, StalenessEvent, WriteEvent } from '../../history/events.js';
import { replicationModeOf } from '../../probes/replication-mode.js';
import type { StackDefinition } from '../../stack/definition.js';
import { histogramBinRange, type SparseHistogram } from '../../workload/histogram.js';
import { journalHistory, type JournalFile, type JournalVerdict } from '../journal-schema.js';

/**
 * Everything the page shows, derived from the journal alone. Series are one point per wall second of the run (never
 * per request), so the page grows with the run's seconds: `perFunctionSeconds` for availability, the `requests`
 * buckets' histograms merged per second for p50/p99.
 */
export interface ReportData {
  /** wall epoch ms of second 0 */
  originMs: number;
  seconds: number;
  /** scenario ms at the start of each second (both clocks in tooltips) */
  scenarioMs: number[];
  functions: FunctionSeries[];
  phases: Window[];
  faults: Window[];
  actions: Window[];
  /** stretches where the scenario clock ran 1:1 (the stack working) */
  measured: Window[];
  staleness: { name: string; values: (number | null)[] }[];
  lagBytes: { name: string; values: (number | null)[] }[];
  whatIf: { values: (number | null)[]; replica: string | null } | { omitted: string };
  rto: RtoRow[];
  lostWrites: LostRow[];
  splitBrain: SplitRow[] | null;
  faultProof: FaultProof[];
  checks: CheckRow[];
  summary: string[];
  failedFunctions: string[];
  /** how the primary replicates, as the stack definition says (null: no definition) */
  replication: string | null;
}

export interface FunctionSeries {
  fn: string;
  /** successes ÷ attempts, 0..100 %; null in a second without attempts */
  availability: (number | null)[];
  p50: (number | null)[];
  p99: (number | null)[];
  attempts: number;
  successes: number;
  /** per phase (attempts started in it) */
  byPhase: { phase: string; attempts: number; successes: number }[];
}

/** [from, to) in seconds since the origin, with a label */
export interface Window {
  label: string;
  from: number;
  to: number;
}

export interface RtoRow {
  fn: string;
  fault: string;
  status: string;
  rtoMs: number | null;
  scriptedMs: number | null;
  measuredMs: number | null;
  summary: string;
}
export interface LostRow {
  fn: string;
  resource: string;
  acknowledgedAt: number;
  /** how long before the failure that lost it the write was acknowledged, wall ms (null: no failure found after it) */
  beforeFailureMs: number | null;
  failure: string | null;
}
export interface SplitRow {
  fn: string;
  resource: string;
  acknowledgedAt: number;
  site: string;
  primarySite: string;
  via: string | null;
}
export interface FaultProof {
  id: string;
  fault: string;
  target: string;
  stages: Partial<Record<'scheduled' | 'applied' | 'observed' | 'healed' | 'failed', { t: number; scenarioMs: number; detail?: string }>>;
}
export interface CheckRow {
  depth: number;
  checker: string;
  status: 'pass' | 'fail' | 'unknown';
  summary: string;
}

const AVAILABLE = 0.99;

function windowsFromStages<E extends { t: number; id: string }>(events: E[], label: (e: E) => string, isStart: (e: E) => boolean, isEnd: (e: E) => boolean, origin: number, end: number): Window[] {
  const open = new Map<string, { label: string; from: number }>();
  const out: Window[] = [];
  for (const e of events) {
    if (isStart(e) && !open.has(e.id)) open.set(e.id, { label: label(e), from: (e.t - origin) / 1000 });
    else if (isEnd(e) && open.has(e.id)) {
      const w = open.get(e.id)!;
      out.push({ label: w.label, from: w.from, to: (e.t - origin) / 1000 });
      open.delete(e.id);
    }
  }
  for (const w of open.values()) out.push({ label: w.label, from: w.from, to: end });
  return out.sort((a, b) => a.from - b.from);
}

/** scenario ms of a wall instant, from the journal's clock segments (scripted stretches run at the scale) */
export function scenarioAt(journal: JournalFile, wall: number): number {
  const { timeScale, scenarioZeroAt, segments } = journal.clocks;
  let seg: { wall: number; scenario: number; mark: 'scripted' | 'measured' } | undefined;
  for (const s of segments) {
    if (s.wall <= wall) seg = s;
    else break;
  }
  if (!seg) return (wall - scenarioZeroAt) * timeScale;
  return seg.scenario + (wall - seg.wall) * (seg.mark === 'scripted' ? timeScale : 1);
}

function walkVerdicts(vs: readonly JournalVerdict[], visit: (v: JournalVerdict, depth: number) => void, depth = 0): void {
  for (const v of vs) {
    visit(v, depth);
    if (v.children) walkVerdicts(v.children, visit, depth + 1);
  }
}

const rec = (x: unknown): Record<string, unknown> | null => (typeof x === 'object' && x !== null && !Array.isArray(x) ? (x as Record<string, unknown>) : null);
const num = (x: unknown): number | null => (typeof x === 'number' && Number.isFinite(x) ? x : null);
const str = (x: unknown): string | null => (typeof x === 'string' ? x : null);

/**
 * Nearest-rank percentiles of sparse histograms merged (as MergeableHistogram.percentile reads them: the middle of
 * the bin holding the rank, within [min, max]), without a dense array per second: a second holds a few dozen bins.
 */
export function sparsePercentiles(hs: readonly SparseHistogram[], ps: readonly number[]): number[] {
  const bins = new Map<number, number>();
  let count = 0;
  let min = Infinity;
  let max = -Infinity;
  for (const h of hs) {
    if (h.count === 0) continue;
    for (const [bin, n] of h.bins) bins.set(bin, (bins.get(bin) ?? 0) + n);
    count += h.count;
    min = Math.min(min, h.min);
    max = Math.max(max, h.max);
  }
  if (count === 0) return ps.map(() => 0);
  const sorted = [...bins].sort((x, y) => x[0] - y[0]);
  return ps.map((p) => {
    const rank = Math.max(1, Math.ceil(p * count));
    if (rank >= count) return max;
    let seen = 0;
    for (const [bin, n] of sorted) {
      seen += n;
      if (seen >= rank) {
        const [lo, hi] = histogramBinRange(bin);
        return Math.min(max, Math.max(min, Number.isFinite(hi) ? (lo + hi) / 2 : lo));
      }
    }
    return max;
  });
}

/** "3 h 41 min", "12 min 5 s", "16 s", "820 ms" */
export function humanDuration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)} ms`;
  const s = Math.round(ms / 1000);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const sec = s % 60;
  if (h > 0) return m > 0 ? `${h} h ${m} min` : `${h} h`;
  if (m > 0) return sec > 0 && m < 10 ? `${m} min ${sec} s` : `${m} min`;
  return `${sec} s`;
}

export function buildReportData(journal: JournalFile): ReportData {
  const origin = journal.perFunctionSeconds.originMs;
  const events = journal.events as unknown as Array<{ kind: string; t: number; scenarioMs: number }>;
  // the run's span is its events' (a run that recorded nothing has one empty second)
  let lastT = origin;
  for (const e of events) if (e.t > lastT) lastT = e.t;
  let seconds = Math.max(1, Math.ceil((lastT - origin) / 1000));
  for (const rows of Object.values(journal.perFunctionSeconds.functions)) for (const r of rows) seconds = Math.max(seconds, r.s + 1);

  const scenarioMs: number[] = new Array(seconds);
  for (let s = 0; s < seconds; s++) scenarioMs[s] = Math.round(scenarioAt(journal, origin + s * 1000));

  const phaseEvents = events.filter((e) => e.kind === 'phase') as unknown as PhaseEvent[];
  const phases: Window[] = phaseEvents.map((p, i) => ({ label: p.name, from: (p.t - origin) / 1000, to: i + 1 < phaseEvents.length ? (phaseEvents[i + 1]!.t - origin) / 1000 : seconds }));
  const faultEvents = events.filter((e) => e.kind === 'fault') as unknown as FaultEvent[];
  const faults = windowsFromStages(faultEvents, (e) => `${e.fault} (${e.target})`, (e) => e.stage === 'applied', (e) => e.stage === 'healed' || e.stage === 'failed', origin, seconds);
  const actionEvents = events.filter((e) => e.kind === 'action') as unknown as ActionEvent[];
  const actions = windowsFromStages(actionEvents, (e) => e.action, (e) => e.stage === 'started', (e) => e.stage === 'completed' || e.stage === 'failed', origin, seconds);
  const measured: Window[] = [];
  const segs = journal.clocks.segments;
  segs.forEach((seg, i) => {
    if (seg.mark !== 'measured') return;
    const to = i + 1 < segs.length ? segs[i + 1]!.wall : lastT;
    measured.push({ label: 'measured', from: (seg.wall - origin) / 1000, to: (to - origin) / 1000 });
  });

  // latency per function per second: the buckets' histograms merged by the second they start in
  const hist = new Map<string, Map<number, SparseHistogram[]>>();
  for (const e of events) {
    if (e.kind !== 'requests') continue;
    const b = e as unknown as RequestBucketEvent;
    if (!b.latencyHistogram || b.latencyHistogram.count === 0) continue;
    const s = Math.floor((b.bucket - origin) / 1000);
    let byS = hist.get(b.fn);
    if (!byS) hist.set(b.fn, (byS = new Map()));
    const list = byS.get(s);
    if (list) list.push(b.latencyHistogram);
    else byS.set(s, [b.latencyHistogram]);
  }

  const phaseOf = (sec: number): string | null => {
    let name: string | null = null;
    for (const p of phases) if (p.from <= sec) name = p.label;
    return name;
  };
  const functions: FunctionSeries[] = Object.entries(journal.perFunctionSeconds.functions).map(([fn, rows]) => {
    const availability: (number | null)[] = new Array(seconds).fill(null);
    const p50: (number | null)[] = new Array(seconds).fill(null);
    const p99: (number | null)[] = new Array(seconds).fill(null);
    let attempts = 0;
    let successes = 0;
    const byPhase = new Map<string, { phase: string; attempts: number; successes: number }>();
    for (const r of rows) {
      if (r.s < 0 || r.s >= seconds) continue;
      if (r.attempts > 0) availability[r.s] = Math.round((r.successes / r.attempts) * 10000) / 100;
      attempts += r.attempts;
      successes += r.successes;
      const ph = phaseOf(r.s);
      if (ph !== null) {
        const x = byPhase.get(ph) ?? { phase: ph, attempts: 0, successes: 0 };
        x.attempts += r.attempts;
        x.successes += r.successes;
        byPhase.set(ph, x);
      }
    }
    for (const [s, hs] of hist.get(fn) ?? []) {
      if (s < 0 || s >= seconds) continue;
      const [a, b] = sparsePercentiles(hs, [0.5, 0.99]);
      p50[s] = Math.round(a! * 10) / 10;
      p99[s] = Math.round(b! * 10) / 10;
    }
    return { fn, availability, p50, p99, attempts, successes, byPhase: [...byPhase.values()] };
  });

  const perSecondLast = <E extends { t: number }>(list: E[], key: (e: E) => string, value: (e: E) => number | null) => {
    const out = new Map<string, (number | null)[]>();
    for (const e of list) {
      const s = Math.floor((e.t - origin) / 1000);
      if (s < 0 || s >= seconds) continue;
      const k = key(e);
      let arr = out.get(k);
      if (!arr) out.set(k, (arr = new Array(seconds).fill(null)));
      arr[s] = value(e);
    }
    return [...out].map(([name, values]) => ({ name, values }));
  };
  const staleness = perSecondLast(
    events.filter((e) => e.kind === 'staleness') as unknown as StalenessEvent[],
    (e) => `${e.reader} (${e.via})`,
    (e) => (e.stalenessMs === null ? null : Math.round(e.stalenessMs)),
  );
  const lagBytes = perSecondLast(events.filter((e) => e.kind === 'lag') as unknown as LagEvent[], (e) => e.replica, (e) => e.bytes);

  // the what-if failover curve: recomputed from the history (it needs a sql staleness reader and acknowledged writes)
  let replication: string | null = null;
  try {
    if (journal.definition) replication = replicationModeOf(journal.definition as unknown as StackDefinition);
  } catch {
    replication = null;
  }
  let whatIf: ReportData['whatIf'];
  const hasSqlReader = events.some((e) => e.kind === 'staleness' && (e as unknown as StalenessEvent).via === 'sql');
  const acked = events.some((e) => e.kind === 'write' && (e as unknown as WriteEvent).outcome === 'acknowledged');
  if (!hasSqlReader) whatIf = { omitted: 'the run has no staleness samples of a replica database (a `sql` staleness probe), so what a failover would lose is not known' };
  else if (!acked) whatIf = { omitted: 'no write was acknowledged in the run, so a failover could not have lost any: there is no curve to draw' };
  else {
    try {
      const r = whatIfFailover(journalHistory(journal), { replication: (replication ?? 'async') as 'async' });
      if (r.basis === 'none') whatIf = { omitted: `nothing is known of replica ${r.replica ?? '?'} (no staleness sample with a heartbeat)` };
      else {
        const values: (number | null)[] = new Array(seconds).fill(null);
        for (const p of r.perSecond) {
          const s = Math.floor((p.second - origin) / 1000);
          if (s >= 0 && s < seconds) values[s] = p.wouldLose;
        }
        whatIf = { values, replica: r.replica };
      }
    } catch (err) {
      whatIf = { omitted: `the curve could not be computed from this journal: ${(err as Error).message}` };
    }
  }

  // checks, RTO, lost writes and split-brain writes from the verdicts' details
  const checks: CheckRow[] = [];
  const rto: RtoRow[] = [];
  const lostRaw: { fn: string; resource: string; acknowledgedAt: number }[] = [];
  let splitBrain: SplitRow[] | null = null;
  const failedFunctions = new Set<string>();
  walkVerdicts(journal.verdicts, (v, depth) => {
    checks.push({ depth, checker: v.checker, status: v.status, summary: v.summary });
    const d = rec(v.details);
    if (!d) return;
    const fn = str(d.fn);
    if (fn && v.status === 'fail') failedFunctions.add(fn);
    if (fn && (num(d.rtoMs) !== null || 'rtoSplit' in d) && str(d.faultId)) {
      const split = rec(d.rtoSplit);
      rto.push({ fn, fault: `${str(d.fault) ?? ''} ${str(d.faultId)}`.trim(), status: v.status, rtoMs: num(d.rtoMs), scriptedMs: split ? num(split.scriptedMs) : null, measuredMs: split ? num(split.measuredMs) : null, summary: v.summary });
    }
    if (Array.isArray(d.lost)) {
      for (const l of d.lost) {
        const w = rec(l);
        const at = w ? num(w.acknowledgedAt) : null;
        if (!w || at === null) continue;
        lostRaw.push({ fn: str(w.fn) ?? '?', resource: `${str(w.resourceType) ?? ''}/${str(w.resourceId) ?? str(w.writeId) ?? '?'}`, acknowledgedAt: at });
        const lfn = str(w.fn);
        if (lfn) failedFunctions.add(lfn);
      }
    }
    if (Array.isArray(d.divergent)) {
      splitBrain ??= [];
      for (const x of d.divergent) {
        const w = rec(x);
        const at = w ? num(w.acknowledgedAt) : null;
        if (!w || at === null) continue;
        splitBrain.push({ fn: str(w.fn) ?? '?', resource: `${str(w.resourceType) ?? ''}/${str(w.resourceId) ?? str(w.writeId) ?? '?'}`, acknowledgedAt: at, site: str(w.site) ?? '?', primarySite: str(w.primarySite) ?? '?', via: str(w.via) });
      }
    }
  });
  const failures = [
    ...faultEvents.filter((e) => e.stage === 'applied').map((e) => ({ t: e.t, what: `${e.fault} ${e.id}` })),
    ...actionEvents.filter((e) => e.stage === 'started' && e.action === 'failover').map((e) => ({ t: e.t, what: `failover ${e.id}` })),
  ].sort((a, b) => a.t - b.t);
  const lostWrites: LostRow[] = lostRaw
    .sort((a, b) => a.acknowledgedAt - b.acknowledgedAt)
    .map((l) => {
      const f = failures.find((x) => x.t >= l.acknowledgedAt);
      return { ...l, beforeFailureMs: f ? f.t - l.acknowledgedAt : null, failure: f ? f.what : null };
    });

  const proofs = new Map<string, FaultProof>();
  for (const e of faultEvents) {
    const p = proofs.get(e.id) ?? { id: e.id, fault: e.fault, target: e.target, stages: {} };
    p.stages[e.stage] ??= { t: e.t, scenarioMs: e.scenarioMs, ...(e.detail ? { detail: e.detail } : {}) };
    proofs.set(e.id, p);
  }

  // which container and site serve each function (definition.functions → link → upstream container → site)
  const def = journal.definition as Partial<StackDefinition> | null;
  const at = (container: string): string => {
    const c = def?.containers?.find((x) => x.name === container);
    const site = c && def?.sites?.find((x) => x.id === c.site);
    return `${container}${site ? ` at ${site.name}` : ''}`;
  };
  const servedBy = (fn: string): string => {
    const link = def?.links?.find((l) => l.name === (def.functions as Record<string, { link: string }> | undefined)?.[fn]?.link);
    if (!link || !def?.containers?.some((x) => x.name === link.upstream.container)) return '';
    // an operator action that repointed the function's door (a failover) moved it: name each container in turn
    const chain = [link.upstream.container];
    for (const a of actionEvents) for (const e of a.effects ?? []) if (e.kind === 'repointed' && e.link === link.name && chain[chain.length - 1] !== e.container) chain.push(e.container);
    return ` through ${chain.map(at).join(', then ')}`;
  };
  // plain language: per function, kept working or unavailable for how long (scenario time of its seconds below 50 %)
  const summary: string[] = [];
  for (const f of functions) {
    if (f.attempts === 0) continue;
    let downScenarioMs = 0;
    let downSeconds = 0;
    let degraded = false;
    for (let s = 0; s < seconds; s++) {
      const a = f.availability[s];
      if (a === null || a === undefined) continue;
      if (a < 50) {
        downSeconds++;
        downScenarioMs += (scenarioMs[s + 1] ?? scenarioMs[s]! + 1000) - scenarioMs[s]!;
      } else if (a < AVAILABLE * 100) degraded = true;
    }
    const worst = f.byPhase.filter((p) => p.attempts > 0).sort((a, b) => a.successes / a.attempts - b.successes / b.attempts)[0];
    const worstText = worst ? `lowest in phase “${worst.phase}”: ${((100 * worst.successes) / worst.attempts).toFixed(1)} %` : '';
    if (downSeconds > 0) {
      failedFunctions.add(f.fn);
      summary.push(`${f.fn} was unavailable for ${humanDuration(downScenarioMs)} of scenario time (${humanDuration(downSeconds * 1000)} wall; ${worstText}).`);
    } else if (degraded || (worst && worst.successes / worst.attempts < AVAILABLE)) {
      failedFunctions.add(f.fn);
      summary.push(`${f.fn} kept answering but degraded (${worstText}).`);
    } else summary.push(`${f.fn} kept working${servedBy(f.fn)} throughout (${((100 * f.successes) / f.attempts).toFixed(2)} % of ${f.attempts} attempts).`);
  }
  if (lostWrites.length > 0) summary.push(`${lostWrites.length} acknowledged write${lostWrites.length === 1 ? ' was' : 's were'} lost (${[...new Set(lostWrites.map((l) => l.fn))].join(', ')}).`);
  if (splitBrain && (splitBrain as SplitRow[]).length > 0) summary.push(`${(splitBrain as SplitRow[]).length} write(s) were acknowledged by a site that was not the primary (split brain).`);
  const top = journal.verdicts;
  const nFail = top.filter((v) => v.status === 'fail').length;
  const nUnknown = top.filter((v) => v.status === 'unknown').length;
  summary.push(
    top.length === 0
      ? 'No check was run.'
      : `${top.length - nFail - nUnknown} of ${top.length} checks passed${nFail ? `, ${nFail} failed` : ''}${nUnknown ? `, ${nUnknown} could not be decided (unknown)` : ''}.`,
  );

  return {
    originMs: origin,
    seconds,
    scenarioMs,
    functions,
    phases,
    faults,
    actions,
    measured,
    staleness,
    lagBytes,
    whatIf,
    rto,
    lostWrites,
    splitBrain,
    faultProof: [...proofs.values()],
    checks,
    summary,
    failedFunctions: [...failedFunctions].sort(),
    replication,
  };
}
