import type { History } from '../history/history.js';
import type { ClinicalFunction } from '../stack/definition.js';
import { bucketEnd, coalesceBuckets } from './buckets.js';
import type { RequestBucketEvent } from '../history/events.js';
import { formatDuration } from './format.js';

/**
 * Whether a window holds evidence a verdict may rest on. A checker asks before it says pass or fail; when the
 * answer is a reason, the verdict is `unknown` with that reason:
 *   - too few attempts expected: the open-model load sends rate × L (± 1) attempts in a window of L; below
 *     `minExpectedAttempts` one attempt more or less swings the availability too far to judge;
 *   - attempts missing: fewer arrived than the load's schedule promised (an arrival was lost, not failed);
 *   - a bucket straddles the window's edge (its attempts cannot be split, so the window's count is not exact);
 *   - the harness fell behind: the load generator skipped arrivals because it was itself late, Node's event loop
 *     stalled, or the host's CPUs were saturated for a whole sample (harness/selfwatch/selfwatch.ts);
 *   - the harness's own equipment was gone: its Toxiproxy or the Docker engine did not answer.
 */
export interface HarnessBounds {
  /** arrivals epj-load was itself too late to send, per function and window (default 0) */
  maxSkippedArrivals: number;
  /** longest Node event-loop stall, ms (default 250: the precision the RTO and probes promise) */
  maxEventLoopDelayMs: number;
  /**
   * share of a sample during which a runnable task waited for a CPU (default 0.999: the whole sample), and how long
   * the CPUs may stay that saturated (default 5000 ms). On this 2-core machine the stack, the load and the harness
   * alone keep it at 0.4–0.9, and a busy core brings whole seconds of 1.0 while every measurement stays on time:
   * saturation distorts a measurement through the two symptoms above, which have tighter bounds, so on its own it
   * is judged only when it lasts.
   */
  maxCpuPressure: number;
  maxCpuSaturatedMs: number;
}

export const DEFAULT_HARNESS_BOUNDS: HarnessBounds = { maxSkippedArrivals: 0, maxEventLoopDelayMs: 250, maxCpuPressure: 0.999, maxCpuSaturatedMs: 5000 };

export const MIN_EXPECTED_ATTEMPTS = 5;

export interface EvidenceQuery {
  fn: ClinicalFunction;
  from: number;
  to: number;
  /** the window's edges are phase edges, where buckets are cut: a bucket across one is a fault (default false) */
  exactEdges?: boolean;
  /** attempts seen in the window, to compare with what the load promised (with exactEdges) */
  attempts?: number;
  minExpectedAttempts?: number;
  bounds?: Partial<HarnessBounds>;
}

/** How many attempts the load's schedule puts in [from, to) for `fn`; null when the history holds no load events. */
export function expectedAttempts(history: History, fn: ClinicalFunction, from: number, to: number): number | null {
  const loads = history.ofKind('load');
  if (loads.length === 0) return null;
  let expected = 0;
  const started = loads.filter((l) => l.stage === 'started');
  const stopped = loads.filter((l) => l.stage === 'stopped');
  for (const [i, start] of started.entries()) {
    const rate = start.rates[fn] ?? 0;
    if (!(rate > 0)) continue;
    const stop = stopped[i];
    const slots = stop?.slots?.[fn];
    // the schedule's slots are first, first + 1/rate, …; without the stop event (a live run) count to now
    const begin = slots ? slots.first : start.t;
    const end = slots ? slots.last + 1000 / rate : (stop?.t ?? Date.now());
    expected += (rate * Math.max(0, Math.min(to, end) - Math.max(from, begin))) / 1000;
  }
  return expected;
}

/**
 * What the harness's own lateness leaves open in a window, short of making it unjudgeable: a checker asks whether
 * its verdict could change within these, and says `unknown` only when it could.
 *   - `skipped`: arrivals epj-load was itself too late to send whose outcome cannot be told from their
 *     neighbours (see `imputeSkipped`) — attempts that belong in the window with an unknown outcome;
 *   - `stalls`: Node event-loop stalls above the bound. They delay what the harness stamps (phase edges, a fault's
 *     applied instant, the clock's changes of pace), never the attempts, which epj-load stamps itself. A phase edge
 *     anchored to its step (a scheduled instant, or stamped before the step's effect or after its proof: PhaseEvent
 *     `anchored`) moves with the step, so a stall puts no attempt on its wrong side; only the others are weighed.
 */
export interface Doubt {
  skipped: number;
  stalls: { t: number; intervalMs: number; maxMs: number }[];
  /** why the window is in doubt, in the words of evidenceProblem */
  reason: string;
}

export interface Evidence {
  /** the window cannot be judged at all */
  problem?: string;
  /** skipped arrivals in the window given their neighbours' outcome (`imputeSkipped`) */
  imputed: { successes: number; failures: number };
  /** it can, unless the verdict would change within this doubt */
  doubt?: Doubt;
}

/** Whether the window can be judged: a problem that rules it out, or a doubt for the checker to weigh. */
export function assessEvidence(history: History, q: EvidenceQuery): Evidence {
  const bounds = { ...DEFAULT_HARNESS_BOUNDS, ...q.bounds };
  const min = q.minExpectedAttempts ?? MIN_EXPECTED_ATTEMPTS;
  const span = formatDuration(q.to - q.from);
  const expected = expectedAttempts(history, q.fn, q.from, q.to);
  const imputed = { successes: 0, failures: 0 };
  if (expected !== null && expected < min) {
    return { imputed, problem: `only ${expected.toFixed(1)} attempts of ${q.fn} expected in ${span} (fewer than ${min}): too few to judge; lengthen the window or raise the rate` };
  }
  const buckets = history.ofKind('requests').filter((b) => b.fn === q.fn && bucketEnd(b) > q.from && b.bucket < q.to);
  const skippedInWindow = buckets.filter((b) => b.bucket >= q.from).reduce((n, b) => n + (b.skipped ?? 0), 0);
  // attempts a fault's onset caught in flight were made, and left out as the fault's: they were not lost
  const caughtInWindow = buckets.filter((b) => b.bucket >= q.from).reduce((n, b) => n + (b.caughtByOnset ?? 0), 0);
  // a skipped arrival whose neighbours all show one outcome takes it; the rest are of unknown outcome
  let skipped = 0;
  if (skippedInWindow > 0) {
    for (const b of imputeSkipped(coalesceBuckets(history.ofKind('requests').filter((x) => x.fn === q.fn)))) {
      if (b.bucket < q.from || b.bucket >= q.to) continue;
      imputed.successes += b.imputedSuccesses;
      imputed.failures += b.imputedFailures;
      skipped += b.skipped ?? 0;
    }
  }
  // only a window cut at phase edges counts its attempts exactly; elsewhere a bucket is in or out by its start.
  // Skipped arrivals are accounted for (the doubt below), so only arrivals gone without a trace are lost.
  if (expected !== null && q.exactEdges && q.attempts !== undefined && q.attempts + skippedInWindow + caughtInWindow < Math.floor(expected) - 1) {
    return { imputed, problem: `${q.fn}: ${q.attempts} attempts in ${span} where the load's schedule promised ${expected.toFixed(1)}: arrivals were lost` };
  }
  if (q.exactEdges) {
    const straddler = buckets.find((b) => (b.bucket < q.from && bucketEnd(b) > q.from) || (b.bucket < q.to && bucketEnd(b) > q.to));
    if (straddler) return { imputed, problem: `${q.fn}: a bucket (${new Date(straddler.bucket).toISOString()}) straddles the window's edge, so its attempts cannot be attributed exactly` };
  }
  const samples = history
    .ofKind('harness')
    .filter((h) => h.t > q.from && h.t - h.intervalMs < q.to)
    .sort((a, b) => a.t - b.t);
  // the harness's own equipment first: with its Toxiproxy gone every other symptom follows from that
  for (const h of samples) {
    const down = h.equipmentDown?.[0];
    if (down) return { imputed, problem: `the harness's own ${down.part} did not answer at ${new Date(h.t).toISOString()} (${down.error}): what clients saw there is not the EPJ's doing` };
  }
  let saturatedMs = 0;
  for (const h of samples) {
    saturatedMs = h.cpuPressure !== null && h.cpuPressure > bounds.maxCpuPressure ? saturatedMs + h.intervalMs : 0;
    if (saturatedMs > bounds.maxCpuSaturatedMs) {
      return { imputed, problem: `the host's CPUs were saturated for ${(saturatedMs / 1000).toFixed(1)} s (tasks waiting for a CPU the whole time) up to ${new Date(h.t).toISOString()}: a slow harness would look like a slow EPJ` };
    }
  }

  const reasons: string[] = [];
  if (skipped > bounds.maxSkippedArrivals) {
    reasons.push(
      `the load generator fell behind its schedule: ${skipped} arrival(s) of ${q.fn} not sent in ${span} because epj-load was itself late (starved of a CPU, or its machine paused), where the attempts around them disagree`,
    );
  }
  const stalls = samples.filter((h) => h.eventLoopDelayMs.max > bounds.maxEventLoopDelayMs).map((h) => ({ t: h.t, intervalMs: h.intervalMs, maxMs: h.eventLoopDelayMs.max }));
  const worst = stalls.reduce<(typeof stalls)[number] | undefined>((w, s) => (!w || s.maxMs > w.maxMs ? s : w), undefined);
  if (worst) {
    reasons.push(`the harness's event loop stalled ${Math.round(worst.maxMs)} ms (bound ${bounds.maxEventLoopDelayMs} ms) at ${new Date(worst.t).toISOString()}, so the instants it stamped there may be late by that much`);
  }
  if (reasons.length === 0) return { imputed };
  return { imputed, doubt: { skipped: skipped > bounds.maxSkippedArrivals ? skipped : 0, stalls, reason: reasons.join('; ') } };
}

/**
 * Attempts a stall may have moved across one of the window's edges: an edge the harness stamped up to `maxMs` late
 * (a stall ending just before it) puts the attempts that started in between on the wrong side. A stall counts for an
 * edge when the edge falls in its sample or right after it.
 */
export function attemptsAcrossStalledEdges(history: History, fn: ClinicalFunction, doubt: Doubt, edges: number[]): number {
  let moved = 0;
  for (const edge of edges) {
    for (const s of doubt.stalls) {
      if (edge < s.t - s.intervalMs - s.maxMs || edge > s.t + s.maxMs) continue;
      moved += Math.ceil(expectedAttempts(history, fn, edge - s.maxMs, edge) ?? 0) + 1;
    }
  }
  return moved;
}

/**
 * How far the harness's stalls may have moved a duration between two instants it stamped, in wall and scenario
 * time: a stall holds the next step back by its length — during a scripted wait that is the stall × the time scale
 * in scenario time (the clock keeps its pace), during measured work the stall itself.
 */
export function shiftOfStalls(history: History, doubt: Doubt, from: number, to: number): { wallMs: number; scenarioMs: number } {
  let wallMs = 0;
  let scenarioMs = 0;
  for (const s of doubt.stalls) {
    if (s.t <= from || s.t - s.intervalMs >= to) continue;
    const measured = history.clock.markAt(s.t) === 'measured' && history.clock.markAt(s.t - s.intervalMs) === 'measured';
    wallMs += s.maxMs;
    scenarioMs += s.maxMs * (measured ? 1 : history.clock.scale);
  }
  return { wallMs, scenarioMs };
}

/** A bucket with its skipped arrivals resolved where they can be: `skipped` is what is left of unknown outcome. */
export type ImputedBucket = RequestBucketEvent & { imputedSuccesses: number; imputedFailures: number };

/**
 * Arrivals epj-load skipped (it was itself late) are imputed the outcome their neighbours agree on: when every
 * recorded attempt of the function in the skip's bucket and in the buckets right before and after it had one
 * outcome, the EPJ was in that state on both sides of the skip, and a flip and back inside that stretch would be a
 * transient shorter than what the checkers resolve (they judge availability per bucket). The imputed arrivals are
 * added to the bucket's attempts (and successes). Where the neighbours disagree — a transition, where the verdict is
 * decided — the skip stays of unknown outcome, and the checkers weigh it at both worst cases.
 *
 * `buckets`: one function's, coalesced (one per bucket start), in any order.
 */
export function imputeSkipped(buckets: readonly RequestBucketEvent[]): ImputedBucket[] {
  const sorted = [...buckets].sort((a, b) => a.bucket - b.bucket);
  const outcome = (b: RequestBucketEvent | undefined): 'ok' | 'failed' | undefined =>
    !b || b.attempts === 0 ? undefined : b.successes === b.attempts ? 'ok' : b.successes === 0 ? 'failed' : undefined;
  return sorted.map((b, i): ImputedBucket => {
    const k = b.skipped ?? 0;
    if (k === 0) return { ...b, imputedSuccesses: 0, imputedFailures: 0 };
    const prev = sorted[i - 1];
    const next = sorted[i + 1];
    const adjacent = prev !== undefined && next !== undefined && bucketEnd(prev) >= b.bucket && next.bucket <= bucketEnd(b);
    const own = outcome(b);
    if (!adjacent || own === undefined || outcome(prev) !== own || outcome(next) !== own) return { ...b, imputedSuccesses: 0, imputedFailures: 0 };
    const { skipped: _resolved, ...rest } = b;
    return own === 'ok'
      ? { ...rest, attempts: b.attempts + k, successes: b.successes + k, imputedSuccesses: k, imputedFailures: 0 }
      : { ...rest, attempts: b.attempts + k, imputedSuccesses: 0, imputedFailures: k };
  });
}
