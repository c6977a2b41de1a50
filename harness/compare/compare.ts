import { InvalidInputError } from '../errors.js';
import type { JournalFile, JournalVerdict } from '../reporters/journal-schema.js';
import { replicationModeOf, STATUS_WORD } from '../reporters/report-data.js';
import { provenanceCaveats, statusCaveats } from './caveats.js';
import { attemptsForPercentile, beyondCountingNoise, type Counts } from './counting-noise.js';
import { FLOORS, type FloorName, type MeasureUnit } from './floors.js';
import { formatDelta, formatSample } from './format.js';
import { byExperiment, loadSide, type Side } from './inputs.js';
import { checksOf, measuresOf, type CheckValue, type MeasureKind, type MeasureValue } from './measures.js';
import { lostWritesJudgement } from './lost-writes.js';
import { judge, sampleOf, type Judgement } from './noise.js';

/**
 * `epj-chaos compare <A> <B>`: A the baseline (the release in production), B the candidate. Journals are grouped
 * by experiment title; every experiment on both sides is compared check by check and measure by measure, each
 * measure against its run-to-run noise and floor (noise.ts, floors.ts); experiments, checks and measures on one side
 * only are listed as such.
 */
export type RowJudgement = Judgement | 'unchanged';

export interface CompareRow {
  kind: 'check' | MeasureKind;
  measure: string;
  a: string;
  b: string;
  delta: string;
  judgement: RowJudgement;
  note?: string;
}

export interface ExperimentComparison {
  experiment: string;
  runs: { a: number; b: number };
  /** how noise was judged: "single runs: no noise estimate" or the repeats per side */
  noise: string;
  rows: CompareRow[];
  /** checks and measures present on one side only */
  onlyA: string[];
  onlyB: string[];
  caveats: string[];
}

export interface Comparison {
  a: { target: string; journals: string[] };
  b: { target: string; journals: string[] };
  experiments: ExperimentComparison[];
  /** experiment titles on one side only */
  onlyA: string[];
  onlyB: string[];
}

const SEVERITY: Record<JournalVerdict['status'], number> = { pass: 0, unknown: 1, fail: 2 };
const UNIT: Record<MeasureKind, MeasureUnit> = { ...Object.fromEntries(Object.entries(FLOORS).map(([k, f]) => [k, f.unit])), lostWrites: 'count' } as Record<MeasureKind, MeasureUnit>;

function statusesText(statuses: readonly JournalVerdict['status'][]): string {
  const counts = (['pass', 'fail', 'unknown'] as const).map((s) => [s, statuses.filter((x) => x === s).length] as const).filter(([, n]) => n > 0);
  return counts.length === 1 && statuses.length === 1 ? STATUS_WORD[statuses[0]!] : counts.map(([s, n]) => `${STATUS_WORD[s]} ×${n}`).join(', ');
}

/**
 * A check's verdicts: worse when B's worst run is worse than A's worst (pass → fail, pass → unknown, unknown →
 * fail: one failing run of the candidate where the baseline never failed is a finding, not noise), better the other
 * way round, otherwise unchanged.
 */
/**
 * The items of each side's runs with the same key, side by side (in A's order): `pair` gets every run's item of a key
 * present on both sides; the keys of one side only come back labelled as such.
 */
function sideBySide<T>(
  a: readonly JournalFile[],
  b: readonly JournalFile[],
  items: (j: JournalFile) => T[],
  key: (t: T) => string,
  label: (t: T) => string,
  pair: (xa: T[], xb: T[]) => CompareRow,
): { rows: CompareRow[]; onlyA: string[]; onlyB: string[] } {
  const gather = (runs: readonly JournalFile[]) => {
    const m = new Map<string, T[]>();
    for (const t of runs.flatMap(items)) m.set(key(t), [...(m.get(key(t)) ?? []), t]);
    return m;
  };
  const ga = gather(a);
  const gb = gather(b);
  const one = (x: Map<string, T[]>, y: Map<string, T[]>) => [...x].filter(([k]) => !y.has(k)).map(([, ts]) => label(ts[0]!));
  return { rows: [...ga].filter(([k]) => gb.has(k)).map(([k, xa]) => pair(xa, gb.get(k)!)), onlyA: one(ga, gb), onlyB: one(gb, ga) };
}

const worstOf = (s: readonly JournalVerdict['status'][]) => s.reduce((w, x) => (SEVERITY[x] > SEVERITY[w] ? x : w), 'pass' as JournalVerdict['status']);

/**
 * A check's verdicts: worse when B's worst run is worse than A's worst (pass → fail, pass → unknown, unknown →
 * fail: one failing run of the candidate where the baseline never failed is a finding, not noise), better the other
 * way round, otherwise unchanged. Worse first, then better.
 */
function checkRowsOf(a: readonly JournalFile[], b: readonly JournalFile[]): ReturnType<typeof sideBySide> {
  const out = sideBySide(a, b, checksOf, (c) => c.name, (c) => `check “${c.name}”`, (xa, xb) => {
    const wa = worstOf(xa.map((c) => c.status));
    const wb = worstOf(xb.map((c) => c.status));
    const judgement: RowJudgement = SEVERITY[wb] > SEVERITY[wa] ? 'worse' : SEVERITY[wb] < SEVERITY[wa] ? 'better' : 'unchanged';
    const reason = (cs: CheckValue[]) => cs.find((c) => c.status !== 'pass')?.reason ?? '';
    const note = judgement === 'worse' ? reason(xb) : judgement === 'better' ? `A: ${reason(xa)}` : '';
    const texts = { a: statusesText(xa.map((c) => c.status)), b: statusesText(xb.map((c) => c.status)) };
    return { kind: 'check', measure: `check “${xa[0]!.name}”`, ...texts, delta: wa === wb ? '—' : `${wa} → ${wb}`, judgement, ...(note ? { note } : {}) };
  });
  const rank: Record<RowJudgement, number> = { worse: 0, better: 1, unchanged: 2, 'within noise': 2, 'not judged': 2 };
  out.rows.sort((x, y) => rank[x.judgement] - rank[y.judgement]);
  return out;
}

/** Each measure as samples of the runs per side, judged by its floor (lost writes: by the replication mode). */
function measureRowsOf(a: readonly JournalFile[], b: readonly JournalFile[]): ReturnType<typeof sideBySide> {
  return sideBySide(a, b, measuresOf, (m) => m.key, (m) => m.label, (xa, xb) => {
    const { kind, label } = xa[0]!;
    const sa = sampleOf(xa.map((m) => m.value));
    const sb = sampleOf(xb.map((m) => m.value));
    const unit = UNIT[kind];
    const lw = kind === 'lostWrites' ? lostWritesJudgement(sa, sb, b.map(replicationModeOf)) : null;
    let judgement = lw ? lw.judgement : judge(sa, sb, FLOORS[kind as FloorName]);
    let note = lw?.note;
    // an availability's difference must also be beyond its counting noise: each side's failures of its attempts
    const ca = pooled(xa);
    const cb = pooled(xb);
    if ((judgement === 'worse' || judgement === 'better') && ca && cb && !beyondCountingNoise(ca, cb, judgement)) {
      judgement = 'within noise';
      note = `within counting noise: ${ca.failures} of ${ca.attempts} attempts failed against ${cb.failures} of ${cb.attempts}`;
    }
    // Attempts that fail in one outage are not independent: how many fail is how long the outage lasted, and that
    // varies from run to run (the same release's restart drill lost 0.1 s of lookups in one run, 0.3 s in another,
    // on a busy host) — a spread counting noise cannot see. So where the run was disturbed, an availability is worse
    // only when its failures cost as much more of the function's service, in seconds of its attempts, as an RTO
    // must grow to count. Before that, failures are the release's own, and counting noise judges them.
    if ((judgement === 'worse' || judgement === 'better') && [...xa, ...xb].every((m) => m.counts?.disturbed)) {
      const la = sampleOf(xa.map((m) => lostSeconds(m.counts!)));
      const lb = sampleOf(xb.map((m) => lostSeconds(m.counts!)));
      if (judge(la, lb, FLOORS.lostService) !== judgement) {
        judgement = 'within noise';
        note = `within an outage's run-to-run spread: its failures cost ${formatSeconds(la.median)} of the function's service in A, ${formatSeconds(lb.median)} in B (${FLOORS.lostService.words})`;
      }
    }
    // a percentile moves by sampling alone: worse only when the runs' bands of chance do not overlap
    const bands = [...xa, ...xb].every((m) => m.percentile?.low !== undefined && m.percentile.high !== undefined);
    if ((judgement === 'worse' || judgement === 'better') && bands) {
      const [lo, hi] = judgement === 'worse' ? [xb, xa] : [xa, xb];
      const lowest = Math.min(...lo.map((m) => m.percentile!.low!));
      const highest = Math.max(...hi.map((m) => m.percentile!.high!));
      if (lowest <= highest) {
        judgement = 'within noise';
        note = `within the percentile's sampling noise: by chance alone A's lies in ${bandText(xa)}, B's in ${bandText(xb)}`;
      }
    }
    // a percentile over too few attempts is one or two attempts' latency: not a measure of the release
    const fewest = Math.min(...[...xa, ...xb].map((m) => m.percentile?.attempts ?? Infinity));
    const q = xa[0]!.percentile?.q;
    if (q !== undefined && fewest < attemptsForPercentile(q)) {
      judgement = 'not judged';
      note = `too few attempts for a p${Math.round(q * 100)}: ${fewest} in a run, at least ${attemptsForPercentile(q)} needed`;
    }
    return { kind, measure: label, a: formatSample(sa, unit), b: formatSample(sb, unit), delta: formatDelta(sa, sb, unit), judgement, ...(note ? { note } : {}) };
  });
}

/** The span of a side's percentile bands, e.g. `880 ms–1.4 s`. */
function bandText(values: readonly MeasureValue[]): string {
  const ms = (x: number) => (x >= 1000 ? `${(x / 1000).toFixed(2)} s` : `${Math.round(x)} ms`);
  return `${ms(Math.min(...values.map((m) => m.percentile!.low!)))}–${ms(Math.max(...values.map((m) => m.percentile!.high!)))}`;
}

/** The share of an availability's window its failures took: failures ÷ (attempts per second). */
function lostSeconds(c: { failures: number; attempts: number; seconds: number }): number {
  return c.attempts > 0 ? (c.failures / c.attempts) * c.seconds * 1000 : 0;
}

const formatSeconds = (ms: number) => `${(ms / 1000).toFixed(2)} s`;

/** A side's attempts and failures of a measure, summed over its runs; undefined for a measure without counts. */
function pooled(values: readonly MeasureValue[]): Counts | undefined {
  if (!values.every((v) => v.counts)) return undefined;
  return values.reduce((t, v) => ({ failures: t.failures + v.counts!.failures, attempts: t.attempts + v.counts!.attempts }), { failures: 0, attempts: 0 });
}

function noiseWords(na: number, nb: number): string {
  if (na === 1 && nb === 1) return 'single runs: no noise estimate — the floors alone decide';
  const one = na === 1 || nb === 1 ? '; the side with a single run has no spread' : '';
  return `${na} run${na === 1 ? '' : 's'} of A, ${nb} of B: medians compared; noise = each side's spread (min..max)${one}`;
}

export function compareExperiment(experiment: string, a: readonly JournalFile[], b: readonly JournalFile[]): ExperimentComparison {
  const checks = checkRowsOf(a, b);
  const measures = measureRowsOf(a, b);
  return {
    experiment,
    runs: { a: a.length, b: b.length },
    noise: noiseWords(a.length, b.length),
    rows: [...checks.rows, ...measures.rows],
    onlyA: [...checks.onlyA, ...measures.onlyA],
    onlyB: [...checks.onlyB, ...measures.onlyB],
    caveats: [...provenanceCaveats(a, b), ...statusCaveats('A', a), ...statusCaveats('B', b)],
  };
}

/** Compares two loaded sides; no experiment in common is an InvalidInputError naming both sides' titles. */
export function compareSides(a: Side, b: Side): Comparison {
  const ea = byExperiment(a);
  const eb = byExperiment(b);
  const common = [...ea.keys()].filter((t) => eb.has(t));
  if (common.length === 0) {
    const list = (m: Map<string, unknown>) => [...m.keys()].map((t) => `“${t}”`).join(', ');
    throw new InvalidInputError(`no experiment in common: ${a.target} has ${list(ea)}; ${b.target} has ${list(eb)}`, 'compare journals of the same experiments (the journal field `experiment` is the title they are matched by)');
  }
  return {
    a: { target: a.target, journals: a.runs.map((r) => r.file) },
    b: { target: b.target, journals: b.runs.map((r) => r.file) },
    experiments: common.map((t) => compareExperiment(t, ea.get(t)!, eb.get(t)!)),
    onlyA: [...ea.keys()].filter((t) => !eb.has(t)),
    onlyB: [...eb.keys()].filter((t) => !ea.has(t)),
  };
}

/** Reads both targets (journal file, run directory or reports directory) and compares them. */
export async function compareTargets(a: string, b: string): Promise<Comparison> {
  return compareSides(await loadSide(a), await loadSide(b));
}

/** Every row that got worse, with its experiment, in the order of the experiments. */
export function regressions(c: Comparison): (CompareRow & { experiment: string })[] {
  return c.experiments.flatMap((e) => e.rows.filter((r) => r.judgement === 'worse').map((r) => ({ ...r, experiment: e.experiment })));
}

export function improvements(c: Comparison): (CompareRow & { experiment: string })[] {
  return c.experiments.flatMap((e) => e.rows.filter((r) => r.judgement === 'better').map((r) => ({ ...r, experiment: e.experiment })));
}
