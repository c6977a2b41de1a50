import type { SplitDuration } from '../history/clock.js';
import type { FaultEvent, RequestBucketEvent } from '../history/events.js';
import type { History } from '../history/history.js';
import type { ClinicalFunction } from '../stack/definition.js';
import { bucketAvailability, bucketEnd, coalesceBuckets } from './buckets.js';
import { assessEvidence, imputeSkipped, shiftOfStalls, type HarnessBounds } from './evidence.js';
import { formatDuration, formatPercent } from './format.js';
import { DEFAULT_THRESHOLD, forFunction, type PerFunction } from './per-function.js';
import { composeVerdicts, type Verdict } from './verdict.js';

/**
 * RTO of a function for a fault: from the fault's `applied` instant until the function's availability is back at or
 * above the threshold and stays there for a hold window. Availability is judged per bucket (1 s of wall time, cut at
 * phase edges); the instants of impact and recovery are those of attempts (their start), not of bucket edges.
 *
 * Choices:
 * - A bucket with zero attempts (or a missing bucket) neither breaks a good run nor counts toward the hold: nobody
 *   asked, so there is no evidence either way. Hold time is the wall time covered by qualifying (good) buckets, so
 *   a quiet stretch cannot "hold" a recovery on its own.
 * - Recovery is the FIRST good run that lasts the hold after the function first went bad. A good run that breaks
 *   before the hold (flapping) is not a recovery; it is counted in `flaps`.
 * - Buckets are those that end after the applied instant (the bucket containing it included) up to `until`.
 * - A function that never went below the threshold after the fault has RTO 0 ("recovered without an outage").
 */
export type RtoStatus = 'recovered' | 'not-recovered' | 'no-data';

export interface RtoResult {
  faultId: string;
  /** the fault's kind, e.g. `site-power` */
  fault: string;
  fn: ClinicalFunction;
  appliedAt: number;
  appliedScenarioMs: number;
  threshold: number;
  holdMs: number;
  status: RtoStatus;
  recoveredAt: number | null;
  recoveredScenarioMs: number | null;
  /** recoveredAt − appliedAt, wall milliseconds */
  rtoMs: number | null;
  /**
   * the same duration in scenario time: its scripted part (waits compressed by the scale) plus its measured part
   * (the stack's own work, 1:1) — harness/history/clock.ts
   */
  rtoScenarioMs: number | null;
  rtoSplit: SplitDuration | null;
  /** true when the function never went below the threshold after the fault (RTO 0) */
  withoutOutage: boolean;
  /** start of the first failed attempt after the fault (never before appliedAt) */
  firstFailureAt: number | null;
  /** start of the outage's last failed attempt, before the recovery (its bucket's start when unknown) */
  lastFailureAt?: number;
  /** start of the first failed attempt of the first bucket below the threshold (never before appliedAt) */
  outageStartAt: number | null;
  /** outageStartAt − appliedAt: how long the fault took to bite */
  timeToImpactMs: number | null;
  /** recoveredAt − outageStartAt: how long the function was actually down */
  outageMs: number | null;
  /** buckets below the threshold between the fault and the recovery (or the end) */
  badBuckets: number;
  /** good runs that broke before lasting the hold */
  flaps: number;
  /** not recovered, but a good run was still under way (shorter than the hold) when the evaluated window ended */
  candidateRecoveryAt?: number;
  /** buckets below the threshold after the recovery (a later outage, perhaps another fault's) */
  badAfterRecovery: number;
  summary: string;
}

export interface RtoOptions {
  /** availability that counts as recovered (default 0.99), one number or per function */
  threshold?: PerFunction<number>;
  /** how long (wall ms of good buckets) availability must stay at or above the threshold (default 5000) */
  holdMs?: number;
  /** functions to evaluate (default: every function seen in a request bucket) */
  functions?: ClinicalFunction[];
  /** faults to evaluate (default: every fault with an `applied` event) */
  faultIds?: string[];
  /** ignore buckets starting at or after this instant (default: none) */
  until?: number;
}

export const DEFAULT_HOLD_MS = 5000;

/** The first `applied` event of each fault id, in order of application. */
export function appliedFaults(history: History): FaultEvent[] {
  const seen = new Map<string, FaultEvent>();
  for (const f of history.ofKind('fault')) if (f.stage === 'applied' && !seen.has(f.id)) seen.set(f.id, f);
  return [...seen.values()].sort((a, b) => a.t - b.t);
}

/**
 * Where the function came back, from attempts (their start instants), not bucket edges: the first attempt that
 * started after the last failed attempt of the outage and succeeded. The good run that holds begins at bucket
 * `run`; the outage's last failure is in the last bad bucket before it (`badBefore`), and the function may already
 * have answered later in that bucket.
 */
function recoveryInstant(run: RequestBucketEvent, badBefore?: RequestBucketEvent): number {
  return badBefore?.firstSuccessAfterLastFailureAt ?? run.firstSuccessAt ?? run.bucket;
}

export function rtoOf(history: History, fault: FaultEvent, fn: ClinicalFunction, opts: RtoOptions = {}): RtoResult {
  return rtoOver(history, fault, fn, opts, coalesceBuckets(history.ofKind('requests').filter((b) => b.fn === fn)));
}

/** RTO over one function's coalesced buckets (the history's, or a what-if of them: see `skippedAs`). */
function rtoOver(history: History, fault: FaultEvent, fn: ClinicalFunction, opts: RtoOptions, fnBuckets: RequestBucketEvent[]): RtoResult {
  const threshold = forFunction(opts.threshold, fn, DEFAULT_THRESHOLD);
  const holdMs = opts.holdMs ?? DEFAULT_HOLD_MS;
  const appliedAt = fault.t;
  const scale = history.clock.scale;
  const notBefore = (t: number) => Math.max(appliedAt, t);

  const buckets = fnBuckets.filter((b) => bucketEnd(b) > appliedAt && (opts.until === undefined || b.bucket < opts.until));

  let firstFailure: RequestBucketEvent | undefined;
  let firstBad: RequestBucketEvent | undefined;
  let sawGood = false;
  let runStart: RequestBucketEvent | undefined;
  let lastBad: RequestBucketEvent | undefined;
  let badBeforeRun: RequestBucketEvent | undefined;
  let runHeldMs = 0;
  let badBuckets = 0;
  let flaps = 0;
  let recovery: RequestBucketEvent | undefined;
  let badAfterRecovery = 0;

  for (const b of buckets) {
    const availability = bucketAvailability(b);
    if (availability === null) continue; // no attempts: no evidence, see the header
    if (!firstFailure && b.successes < b.attempts) firstFailure = b;
    const good = availability >= threshold;
    if (recovery) {
      if (!good) badAfterRecovery++;
      continue;
    }
    if (!good) {
      firstBad ??= b;
      lastBad = b;
      badBuckets++;
      if (runStart) flaps++; // a good run after the outage began that broke before the hold
      runStart = undefined;
      runHeldMs = 0;
      continue;
    }
    sawGood = true;
    if (!firstBad) continue; // still before the outage (if any): nothing to recover from yet
    if (!runStart) {
      runStart = b;
      badBeforeRun = lastBad;
    }
    runHeldMs += b.widthMs;
    if (runHeldMs >= holdMs) recovery = runStart;
  }

  const base = {
    faultId: fault.id,
    fault: fault.fault,
    fn,
    appliedAt,
    appliedScenarioMs: fault.scenarioMs,
    threshold,
    holdMs,
    firstFailureAt: firstFailure ? notBefore(firstFailure.firstFailureAt ?? firstFailure.bucket) : null,
    outageStartAt: firstBad ? notBefore(firstBad.firstFailureAt ?? firstBad.bucket) : null,
    timeToImpactMs: firstBad ? notBefore(firstBad.firstFailureAt ?? firstBad.bucket) - appliedAt : null,
    badBuckets,
    flaps,
    badAfterRecovery,
  };
  const label = `${fn} after ${fault.id}`;

  if (!firstBad) {
    if (!sawGood) {
      return {
        ...base,
        status: 'no-data',
        recoveredAt: null,
        recoveredScenarioMs: null,
        rtoMs: null,
        rtoScenarioMs: null,
        rtoSplit: null,
        withoutOutage: false,
        outageMs: null,
        summary: `${label}: no attempts after the fault, RTO unknown`,
      };
    }
    return {
      ...base,
      status: 'recovered',
      recoveredAt: appliedAt,
      recoveredScenarioMs: fault.scenarioMs,
      rtoMs: 0,
      rtoScenarioMs: 0,
      rtoSplit: { scriptedMs: 0, measuredMs: 0 },
      withoutOutage: true,
      outageMs: 0,
      summary: `${label}: recovered without an outage (availability never below ${formatPercent(threshold)})`,
    };
  }

  if (!recovery) {
    const candidate = runStart ? notBefore(recoveryInstant(runStart, badBeforeRun)) : undefined;
    return {
      ...base,
      status: 'not-recovered',
      recoveredAt: null,
      recoveredScenarioMs: null,
      rtoMs: null,
      rtoScenarioMs: null,
      rtoSplit: null,
      withoutOutage: false,
      outageMs: null,
      ...(candidate !== undefined ? { candidateRecoveryAt: candidate } : {}),
      summary:
        `${label}: not recovered (${badBuckets} bad buckets` +
        (candidate !== undefined
          ? `; good for only ${formatDuration(runHeldMs)} of the ${formatDuration(holdMs)} hold when the history ended)`
          : ')'),
    };
  }

  const recoveredAt = notBefore(recoveryInstant(recovery, badBeforeRun));
  const rtoMs = recoveredAt - appliedAt;
  const lastFailureAt = badBeforeRun ? notBefore(badBeforeRun.lastFailureAt ?? badBeforeRun.bucket) : undefined;
  const split = history.clock.split(appliedAt, recoveredAt);
  return {
    ...base,
    status: 'recovered',
    recoveredAt,
    recoveredScenarioMs: history.clock.toScenario(recoveredAt),
    rtoMs,
    rtoScenarioMs: split.scriptedMs + split.measuredMs,
    rtoSplit: split,
    ...(lastFailureAt !== undefined ? { lastFailureAt } : {}),
    withoutOutage: false,
    outageMs: recoveredAt - notBefore(firstBad.firstFailureAt ?? firstBad.bucket),
    summary:
      `${label}: recovered in ${scale !== 1 ? `${describeSplit(split)} (${formatDuration(rtoMs)} wall)` : formatDuration(rtoMs)}` +
      (flaps > 0 ? `, after ${flaps} false recover${flaps === 1 ? 'y' : 'ies'}` : ''),
  };
}

/** "20.0 min scripted + 1.1 s measured": which part of a duration the script set and which the stack took. */
export function describeSplit(d: SplitDuration): string {
  const parts = [d.scriptedMs >= 1 ? `${formatDuration(d.scriptedMs)} scripted` : '', d.measuredMs >= 1 || d.scriptedMs < 1 ? `${formatDuration(d.measuredMs)} measured` : ''];
  return parts.filter(Boolean).join(' + ');
}

/** RTO for every (applied fault, function) pair. */
export function rtoByFault(history: History, opts: RtoOptions = {}): RtoResult[] {
  const functions = opts.functions ?? [...new Set(history.ofKind('requests').map((b) => b.fn))].sort();
  const faults = appliedFaults(history).filter((f) => !opts.faultIds || opts.faultIds.includes(f.id));
  return faults.flatMap((fault) => functions.map((fn) => rtoOf(history, fault, fn, opts)));
}

export interface RtoVerdictOptions extends RtoOptions {
  /** longest acceptable RTO in wall ms, one number or per function; none: any recovery passes */
  maxRtoMs?: PerFunction<number>;
  /** the same in scenario time (what a requirement like "admissions back within 4 h" means) */
  maxRtoScenarioMs?: PerFunction<number>;
  /** bounds on the harness's own health between the fault and the end of the hold (harness/checkers/evidence.ts) */
  harnessBounds?: Partial<HarnessBounds>;
}

/**
 * fail: an RTO above its maximum, or not recovered; unknown: no data, a fault that was scheduled but never applied,
 * or a recovery still inside its hold when the history ended while the RTO so far is within the maximum (a longer
 * run could still pass it).
 */
export function rtoVerdict(history: History, opts: RtoVerdictOptions = {}): Verdict {
  const results = rtoByFault(history, opts);
  const faults = new Map(appliedFaults(history).map((f) => [f.id, f]));
  const children: Verdict[] = results.map((r) => {
    const checker = `rto ${r.fn} ${r.faultId}`;
    const maxWall = forFunction(opts.maxRtoMs, r.fn);
    const maxScenario = forFunction(opts.maxRtoScenarioMs, r.fn);
    const details = { ...r, maxRtoMs: maxWall ?? null, maxRtoScenarioMs: maxScenario ?? null };
    if (r.status === 'no-data') return { checker, status: 'unknown', summary: r.summary, details };
    // not recovered: judged to the end of what was recorded (not to the end of time, which a summary would print)
    const judgedUntil = r.recoveredAt !== null ? r.recoveredAt + r.holdMs : (opts.until ?? history.all().reduce((end, e) => Math.max(end, e.t), r.appliedAt));
    // A recovery is decided between the outage's last failure and the end of the hold: missing equipment or a
    // saturated host before that last failure cannot move it (a failure came after), so only that stretch is judged.
    // An RTO of 0 or no recovery is decided by the whole window.
    const judgedFrom = r.status === 'recovered' && !r.withoutOutage && r.lastFailureAt !== undefined ? r.lastFailureAt : r.appliedAt;
    const problem = assessEvidence(history, { fn: r.fn, from: judgedFrom, to: judgedUntil, minExpectedAttempts: 0, bounds: opts.harnessBounds }).problem;
    if (problem) return { checker, status: 'unknown', summary: `${r.summary}; but ${problem}`, details };

    const limit = [maxWall !== undefined ? `${formatDuration(maxWall)} wall` : '', maxScenario !== undefined ? `${formatDuration(maxScenario)} scenario` : '']
      .filter(Boolean)
      .join(', ');
    /** the verdict on a result whose durations may be off by a shift (the harness's stalls) */
    const verdictOf = (x: RtoResult, shift: { wallMs: number; scenarioMs: number }): Verdict['status'] => {
      const within = (until: number) => {
        const scenario = history.clock.split(x.appliedAt, until);
        return (
          (maxWall === undefined || until - x.appliedAt + shift.wallMs <= maxWall) &&
          (maxScenario === undefined || scenario.scriptedMs + scenario.measuredMs + shift.scenarioMs <= maxScenario)
        );
      };
      if (x.status === 'no-data') return 'unknown';
      if (x.status === 'not-recovered') return x.candidateRecoveryAt !== undefined && within(x.candidateRecoveryAt) ? 'unknown' : 'fail';
      return within(x.recoveredAt ?? x.appliedAt) ? 'pass' : 'fail';
    };
    const status = verdictOf(r, { wallMs: 0, scenarioMs: 0 });
    const summary = status === 'fail' && r.status === 'recovered' ? `${r.summary}, above the maximum ${limit}` : r.summary;

    // The harness's own lateness (skipped arrivals, a stalled event loop) since the fault: the verdict stands only
    // if it is the same at both ends of what that lateness could hide.
    const doubt = assessEvidence(history, { fn: r.fn, from: r.appliedAt, to: judgedUntil, minExpectedAttempts: 0, bounds: opts.harnessBounds }).doubt;
    if (!doubt) return { checker, status, summary, details };
    const fault = faults.get(r.faultId)!;
    // skipped arrivals whose neighbours agree take their outcome (harness/checkers/evidence.ts); the rest are weighed
    const own = imputeSkipped(coalesceBuckets(history.ofKind('requests').filter((b) => b.fn === r.fn)));
    const late = doubt.skipped > 0 ? rtoOver(history, fault, r.fn, { ...opts, holdMs: r.holdMs }, skippedAs(own, 'failed')) : r;
    const early = doubt.skipped > 0 ? rtoOver(history, fault, r.fn, { ...opts, holdMs: r.holdMs }, skippedAs(own, 'succeeded')) : r;
    const shift = shiftOfStalls(history, doubt, r.appliedAt, late.recoveredAt ?? judgedUntil);
    const worstCases = [verdictOf(late, shift), verdictOf(early, { wallMs: -shift.wallMs, scenarioMs: -shift.scenarioMs })];
    const range =
      late.recoveredAt !== null && early.recoveredAt !== null
        ? `recovery between ${formatDuration(Math.max(0, early.recoveredAt - r.appliedAt - shift.wallMs))} and ${formatDuration(late.recoveredAt - r.appliedAt + shift.wallMs)} wall`
        : 'recovery not bounded';
    if (worstCases.some((w) => w !== status)) {
      return { checker, status: 'unknown', summary: `${r.summary}; but ${doubt.reason}, and that could change the verdict (${range})`, details };
    }
    return { checker, status, summary: `${summary}; ${doubt.reason}, which cannot change it (${range})`, details };
  });

  const applied = new Set(appliedFaults(history).map((f) => f.id));
  const neverApplied = [...new Set(history.ofKind('fault').map((f) => f.id))].filter(
    (id) => !applied.has(id) && (!opts.faultIds || opts.faultIds.includes(id)),
  );
  for (const id of neverApplied) {
    children.push({ checker: `rto ${id}`, status: 'unknown', summary: `fault ${id} was never applied, so no RTO can be measured` });
  }
  return { ...composeVerdicts('rto', children), details: results };
}

/**
 * The buckets as if every arrival epj-load skipped had been sent and had failed as late as its bucket allows, or
 * succeeded as early as it allows: the latest and the earliest recovery those arrivals could hide.
 */
function skippedAs(buckets: RequestBucketEvent[], outcome: 'failed' | 'succeeded'): RequestBucketEvent[] {
  return buckets.map((b) => {
    const k = b.skipped ?? 0;
    if (k === 0) return b;
    const end = bucketEnd(b);
    if (outcome === 'failed') {
      const { firstSuccessAfterLastFailureAt: _unknown, ...rest } = b;
      return { ...rest, attempts: b.attempts + k, firstFailureAt: b.firstFailureAt ?? end - 1, lastFailureAt: end - 1 };
    }
    const firstAfter =
      b.lastFailureAt === undefined ? b.bucket : b.lastFailureAt + 1 < end ? Math.min(b.firstSuccessAfterLastFailureAt ?? Infinity, b.lastFailureAt + 1) : b.firstSuccessAfterLastFailureAt;
    return {
      ...b,
      attempts: b.attempts + k,
      successes: b.successes + k,
      firstSuccessAt: b.bucket,
      ...(firstAfter !== undefined ? { firstSuccessAfterLastFailureAt: firstAfter } : {}),
    };
  });
}
