import type { History } from '../history/history.js';
import type { ClinicalFunction } from '../stack/definition.js';
import { bucketsByFunction, mergeBuckets, type BucketTotals } from './buckets.js';
import { formatPercent } from './format.js';
import { assessEvidence, attemptsAcrossStalledEdges, type Evidence, type HarnessBounds } from './evidence.js';
import { DEFAULT_THRESHOLD, forFunction, type PerFunction } from './per-function.js';
import { phaseOfBucket, phasesOf, type Phase } from './phases.js';
import { composeVerdicts, type Verdict } from './verdict.js';

/**
 * Availability of each clinical function per phase and over the whole run: successes ÷ attempts, where a timeout
 * is a failed attempt. A function with no attempts in a phase is listed with availability null, so a function that
 * the load stopped exercising shows up as "no data" rather than vanishing.
 */
export interface FunctionAvailability extends BucketTotals {
  fn: ClinicalFunction;
}

export interface PhaseAvailability extends Phase {
  functions: FunctionAvailability[];
}

export interface AvailabilityReport {
  phases: PhaseAvailability[];
  /** every bucket of the run, whether or not inside a phase */
  wholeRun: FunctionAvailability[];
}

export interface AvailabilityOptions {
  /** functions to report (default: every function seen in a request bucket), in this order */
  functions?: ClinicalFunction[];
  /** end of the last phase (default: end of the history) */
  end?: number;
}

export function availabilityByPhase(history: History, opts: AvailabilityOptions = {}): AvailabilityReport {
  const buckets = history.ofKind('requests');
  const byFn = bucketsByFunction(buckets);
  const functions = opts.functions ?? [...byFn.keys()].sort();
  const phases = phasesOf(history, opts.end === undefined ? {} : { end: opts.end });
  const perPhase = phases.map((phase): PhaseAvailability => {
    const fnTotals = functions.map((fn) => ({
      fn,
      ...mergeBuckets((byFn.get(fn) ?? []).filter((b) => phaseOfBucket(phases, b) === phase)),
    }));
    return { ...phase, functions: fnTotals };
  });
  const wholeRun = functions.map((fn) => ({ fn, ...mergeBuckets(byFn.get(fn) ?? []) }));
  return { phases: perPhase, wholeRun };
}

export interface AvailabilityVerdictOptions {
  /** minimum availability; one number or per function with a `default` (fallback 0.99) */
  threshold?: PerFunction<number>;
  /** judge the threshold as a ceiling instead: pass at or below it (a function a fault must break) */
  atMost?: boolean;
  /** evaluate every occurrence of these phases; omitted: the whole run, per function */
  phases?: string[];
  functions?: ClinicalFunction[];
  end?: number;
  /** bounds on the harness's own health in the window (harness/checkers/evidence.ts) */
  harnessBounds?: Partial<HarnessBounds>;
}

export function availabilityVerdict(history: History, opts: AvailabilityVerdictOptions = {}): Verdict {
  const report = availabilityByPhase(history, {
    ...(opts.functions ? { functions: opts.functions } : {}),
    ...(opts.end !== undefined ? { end: opts.end } : {}),
  });
  const judge = (a: FunctionAvailability, where: string, phase?: Phase): Verdict => {
    const threshold = forFunction(opts.threshold, a.fn, DEFAULT_THRESHOLD);
    const checker = `availability ${a.fn} ${where}`;
    const details = { where, threshold, ...a };
    if (a.availability === null) return { checker, status: 'unknown', summary: `${a.fn}: no attempts ${where}`, details };
    const window = phase ? { from: phase.start, to: phase.end } : { from: a.from ?? 0, to: a.to ?? 0 };
    const evidence = assessEvidence(history, { fn: a.fn, ...window, exactEdges: phase !== undefined, attempts: a.attempts, bounds: opts.harnessBounds });
    if (evidence.problem) return { checker, status: 'unknown', summary: `${a.fn} ${where}: ${evidence.problem}`, details };
    const holds = (availability: number) => (opts.atMost ? availability <= threshold : availability >= threshold);
    const ok = holds(a.availability);
    // a stall can move an attempt across an edge the harness stamped late, never across one anchored to its step
    const edges = phase ? [...(phase.anchoredStart ? [] : [phase.start]), ...(phase.anchoredEnd ? [] : [phase.end])] : [];
    const judged = weighDoubt(history, a, evidence, edges, holds);
    if (judged.unknown) return { checker, status: 'unknown', summary: `${a.fn} ${where}: ${judged.unknown}`, details };
    const caught = a.caughtByOnset ? `; ${a.caughtByOnset} failed attempt(s) still in flight when the next phase's fault took effect are the fault's, not counted` : '';
    const because = `${judged.note ? `; ${judged.note}` : ''}${caught}`;
    const sign = opts.atMost ? (ok ? '≤' : '>') : ok ? '≥' : '<';
    return {
      checker,
      status: ok ? 'pass' : 'fail',
      summary: `${a.fn}: ${formatPercent(a.availability)} ${sign} ${formatPercent(threshold)} ${where} (${a.successes}/${a.attempts})${because}`,
      details,
    };
  };

  const children: Verdict[] = [];
  if (!opts.phases) {
    for (const a of report.wholeRun) children.push(judge(a, 'over the whole run'));
  } else {
    for (const name of opts.phases) {
      const occurrences = report.phases.filter((p) => p.name === name);
      if (occurrences.length === 0) {
        children.push({ checker: `availability in ${name}`, status: 'unknown', summary: `phase ${name} never started` });
      }
      for (const p of occurrences) {
        const where = occurrences.length > 1 ? `in ${name} #${p.index}` : `in ${name}`;
        for (const a of p.functions) children.push(judge(a, where, p));
      }
    }
  }
  return { ...composeVerdicts('availability', children), details: report };
}

/**
 * The lowest and highest availability `successes / attempts` could have been with `unsent` more attempts of unknown
 * outcome (arrivals the load generator skipped, or attempts a late edge left out) and `misplaced` of those counted
 * belonging outside the window.
 */
export function availabilityRange(successes: number, attempts: number, unsent: number, misplaced: number): { low: number; high: number } {
  const add = unsent + misplaced;
  const dropSuccesses = Math.min(misplaced, successes);
  const dropFailures = Math.min(misplaced, attempts - successes);
  const ratio = (s: number, n: number) => (n > 0 ? s / n : 0);
  return {
    low: ratio(successes - dropSuccesses, attempts - dropSuccesses + add),
    high: ratio(successes + add, attempts - dropFailures + add),
  };
}

/**
 * Whether what the harness's lateness leaves open could change an availability verdict: the skipped arrivals given
 * their neighbours' outcome are counted, the rest of unknown outcome and the attempts a stall may have moved across
 * `edges` are weighed at both worst cases. `unknown`: the reason, when they could; `note`: what was weighed.
 */
export function weighDoubt(
  history: History,
  a: { fn: ClinicalFunction; successes: number; attempts: number; availability: number | null },
  evidence: Evidence,
  edges: number[],
  holds: (availability: number) => boolean,
): { unknown?: string; note?: string } {
  const { successes, failures } = evidence.imputed;
  const imputedNote = successes + failures > 0 ? `${successes + failures} arrival(s) epj-load skipped given their neighbours' outcome` : '';
  const unsent = evidence.doubt?.skipped ?? 0;
  const moved = evidence.doubt ? attemptsAcrossStalledEdges(history, a.fn, evidence.doubt, edges) : 0;
  if (!evidence.doubt && !imputedNote) return {};
  const range = availabilityRange(a.successes + successes, a.attempts + successes + failures, unsent, moved);
  const ok = a.availability !== null && holds(a.availability);
  const span = range.low === range.high ? formatPercent(range.low) : `${formatPercent(range.low)} to ${formatPercent(range.high)} at worst`;
  const why = [evidence.doubt?.reason, imputedNote].filter(Boolean).join('; ');
  if (holds(range.low) !== ok || holds(range.high) !== ok) return { unknown: `${why}, and that could change the verdict (${span})` };
  return { note: `${why}, which cannot change it (${span})` };
}
