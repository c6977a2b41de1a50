import type { History } from '../history/history.js';
import type { ClinicalFunction } from '../stack/definition.js';
import { bucketAvailability, bucketEnd, coalesceBuckets, mergeBuckets } from './buckets.js';
import { weighDoubt } from './availability.js';
import { assessEvidence, type HarnessBounds } from './evidence.js';
import { formatPercent } from './format.js';
import { DEFAULT_THRESHOLD, forFunction, type PerFunction } from './per-function.js';
import { phaseWindow } from './phases.js';
import { composeVerdicts, type Verdict } from './verdict.js';

/**
 * The steady-state hypothesis (chaostoolkit's gate): every listed function's availability is at or above its
 * threshold. Checked over a window before injecting (a sick stack is not experimented on), and continuously,
 * bucket by bucket, during and after. A function in the hypothesis with no attempts makes the verdict unknown:
 * silence is not health.
 */
export interface SteadyStateHypothesis {
  functions: ClinicalFunction[];
  /** default 0.99; one number or per function */
  threshold?: PerFunction<number>;
  /** window [from, to) by bucket start, epoch ms; default: the whole history */
  from?: number;
  to?: number;
  /** bounds on the harness's own health in the window (harness/checkers/evidence.ts) */
  harnessBounds?: Partial<HarnessBounds>;
}

function inWindow(bucketStart: number, from: number | undefined, to: number | undefined): boolean {
  return (from === undefined || bucketStart >= from) && (to === undefined || bucketStart < to);
}

export function steadyStateVerdict(history: History, hypothesis: SteadyStateHypothesis): Verdict {
  const { from, to } = hypothesis;
  const buckets = history.ofKind('requests').filter((b) => inWindow(b.bucket, from, to));
  const children = hypothesis.functions.map((fn): Verdict => {
    const threshold = forFunction(hypothesis.threshold, fn, DEFAULT_THRESHOLD);
    const totals = mergeBuckets(buckets.filter((b) => b.fn === fn));
    const checker = `steady state ${fn}`;
    const details = { fn, threshold, window: { from: from ?? null, to: to ?? null }, ...totals };
    if (totals.availability === null) return { checker, status: 'unknown', summary: `${fn}: no attempts in the window`, details };
    const evidence = assessEvidence(history, { fn, from: from ?? totals.from ?? 0, to: to ?? totals.to ?? 0, attempts: totals.attempts, bounds: hypothesis.harnessBounds });
    if (evidence.problem) return { checker, status: 'unknown', summary: `${fn}: ${evidence.problem}`, details };
    const ok = totals.availability >= threshold;
    // the window is cut at bucket starts, not at instants the harness stamped: only skipped arrivals can move it
    const judged = weighDoubt(history, { fn, ...totals }, evidence, [], (x) => x >= threshold);
    if (judged.unknown) return { checker, status: 'unknown', summary: `${fn}: ${judged.unknown}`, details };
    const because = judged.note ? `; ${judged.note}` : '';
    return {
      checker,
      status: ok ? 'pass' : 'fail',
      summary: `${fn}: ${formatPercent(totals.availability)} ${ok ? '≥' : '<'} ${formatPercent(threshold)} (${totals.successes}/${totals.attempts})${because}`,
      details,
    };
  });
  return composeVerdicts('steady state', children);
}

export interface ContinuousSteadyStateOptions {
  functions: ClinicalFunction[];
  threshold?: PerFunction<number>;
  /** evaluate over the first phase of this name (takes precedence over from/to) */
  phase?: string;
  from?: number;
  to?: number;
}

/** One function below its threshold: from the start of its first bad bucket to the end of its last. */
export interface FunctionViolation {
  fn: ClinicalFunction;
  from: number;
  to: number;
  fromScenarioMs: number;
  toScenarioMs: number;
  /** bad buckets inside the interval (zero-attempt buckets between bad ones do not end it, nor count here) */
  badBuckets: number;
  /** wall time covered by the bad buckets */
  violatingMs: number;
  worstAvailability: number;
}

/** An interval in which the hypothesis as a whole was false: at least one function was below its threshold. */
export interface HypothesisViolation {
  from: number;
  to: number;
  fromScenarioMs: number;
  toScenarioMs: number;
  functions: ClinicalFunction[];
}

export interface ContinuousSteadyStateResult {
  /** the evaluated window (null bounds: unbounded); null when the named phase never started */
  window: { from: number | null; to: number | null } | null;
  byFunction: {
    fn: ClinicalFunction;
    threshold: number;
    /** buckets with attempts that were judged */
    evaluatedBuckets: number;
    badBuckets: number;
    violations: FunctionViolation[];
  }[];
  violations: HypothesisViolation[];
  verdict: Verdict;
}

export function continuousSteadyState(history: History, opts: ContinuousSteadyStateOptions): ContinuousSteadyStateResult {
  const checker = 'continuous steady state';
  let from = opts.from;
  let to = opts.to;
  if (opts.phase !== undefined) {
    const w = phaseWindow(history, opts.phase);
    if (!w) {
      return {
        window: null,
        byFunction: [],
        violations: [],
        verdict: { checker, status: 'unknown', summary: `phase ${opts.phase} never started` },
      };
    }
    ({ from, to } = w);
  }
  const scenario = (t: number) => history.clock.toScenario(t);
  const buckets = coalesceBuckets(history.ofKind('requests')).filter((b) => inWindow(b.bucket, from, to));

  const byFunction = opts.functions.map((fn) => {
    const threshold = forFunction(opts.threshold, fn, DEFAULT_THRESHOLD);
    const violations: FunctionViolation[] = [];
    let open: FunctionViolation | undefined;
    let evaluatedBuckets = 0;
    let badBuckets = 0;
    for (const b of buckets.filter((x) => x.fn === fn)) {
      const availability = bucketAvailability(b);
      if (availability === null) continue; // no attempts: neither ends nor extends a violation
      evaluatedBuckets++;
      if (availability >= threshold) {
        open = undefined;
        continue;
      }
      badBuckets++;
      if (!open) {
        open = {
          fn,
          from: b.bucket,
          to: bucketEnd(b),
          fromScenarioMs: scenario(b.bucket),
          toScenarioMs: scenario(bucketEnd(b)),
          badBuckets: 0,
          violatingMs: 0,
          worstAvailability: availability,
        };
        violations.push(open);
      }
      open.to = bucketEnd(b);
      open.toScenarioMs = scenario(open.to);
      open.badBuckets++;
      open.violatingMs += b.widthMs;
      open.worstAvailability = Math.min(open.worstAvailability, availability);
    }
    return { fn, threshold, evaluatedBuckets, badBuckets, violations };
  });

  // the hypothesis is a conjunction: it is violated wherever any function is; join overlapping or touching intervals
  const all = byFunction.flatMap((f) => f.violations).sort((a, b) => a.from - b.from);
  const violations: HypothesisViolation[] = [];
  for (const v of all) {
    const last = violations[violations.length - 1];
    if (last && v.from <= last.to) {
      last.to = Math.max(last.to, v.to);
      last.toScenarioMs = scenario(last.to);
      if (!last.functions.includes(v.fn)) last.functions.push(v.fn);
    } else {
      violations.push({ from: v.from, to: v.to, fromScenarioMs: v.fromScenarioMs, toScenarioMs: v.toScenarioMs, functions: [v.fn] });
    }
  }

  const children = byFunction.map((f): Verdict => {
    const name = `${checker} ${f.fn}`;
    const threshold = formatPercent(f.threshold);
    if (f.evaluatedBuckets === 0) {
      return { checker: name, status: 'unknown', summary: `${f.fn}: no attempts in the window`, details: f };
    }
    if (f.violations.length > 0) {
      const summary = `${f.fn}: below ${threshold} in ${f.badBuckets} of ${f.evaluatedBuckets} buckets, ${f.violations.length} interval(s)`;
      return { checker: name, status: 'fail', summary, details: f };
    }
    return { checker: name, status: 'pass', summary: `${f.fn}: at or above ${threshold} in all ${f.evaluatedBuckets} buckets`, details: f };
  });
  const window = { from: from ?? null, to: to ?? null };
  return { window, byFunction, violations, verdict: { ...composeVerdicts(checker, children), details: { window, violations } } };
}
