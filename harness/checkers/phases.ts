import type { History } from '../history/history.js';
import type { RequestBucketEvent } from '../history/events.js';
import { bucketEnd } from './buckets.js';

/**
 * Phases (baseline, fault, recovery, …) come from the timeline's PhaseEvents: a phase lasts from its event until
 * the next phase event, the last one until the end of the history (or an explicit end). Intervals are half-open,
 * [start, end), so every instant belongs to at most one phase. A phase name may occur more than once; `index` tells
 * the occurrences apart.
 */
export interface Phase {
  name: string;
  /** position among the run's phases, 0-based */
  index: number;
  start: number;
  end: number;
  startScenarioMs: number;
  endScenarioMs: number;
  /** the phase event's instant, or the next one's, is anchored to its step (harness/history/events.ts PhaseEvent) */
  anchoredStart?: boolean;
  anchoredEnd?: boolean;
  /** between asking for a step and its proof (harness/history/events.ts PhaseEvent `transition`) */
  transition?: boolean;
}

export interface PhaseOptions {
  /** end of the last phase (epoch ms); default: the end of the history */
  end?: number;
}

/**
 * The last instant the history covers: the latest event, or the end of the latest request bucket if that is later
 * (a bucket is recorded when it closes, but do not rely on it).
 */
export function historyEnd(history: History): number {
  let end = Number.NEGATIVE_INFINITY;
  for (const e of history.all()) end = Math.max(end, e.kind === 'requests' ? Math.max(e.t, bucketEnd(e)) : e.t);
  return Number.isFinite(end) ? end : history.clock.startWall;
}

export function phasesOf(history: History, opts: PhaseOptions = {}): Phase[] {
  // a phase is recorded once its step took effect, stamped with that instant: order by it, not by recording
  const marks = history.ofKind('phase').sort((a, b) => a.t - b.t);
  const end = opts.end ?? historyEnd(history);
  const phases: Phase[] = [];
  for (let i = 0; i < marks.length; i++) {
    const mark = marks[i]!;
    // with an explicit end, phases that begin at or after it are outside the evaluated run
    if (opts.end !== undefined && mark.t >= end) break;
    const next = marks[i + 1];
    const phaseEnd = next !== undefined ? Math.min(next.t, end) : end;
    phases.push({
      name: mark.name,
      index: phases.length,
      start: mark.t,
      end: Math.max(mark.t, phaseEnd),
      startScenarioMs: mark.scenarioMs,
      endScenarioMs: history.clock.toScenario(Math.max(mark.t, phaseEnd)),
      anchoredStart: mark.anchored === true,
      anchoredEnd: next !== undefined && next.t <= end && next.anchored === true,
      ...(mark.transition ? { transition: true } : {}),
    });
  }
  return phases;
}

export function phaseContaining(phases: readonly Phase[], t: number): Phase | undefined {
  return phases.find((p) => p.start <= t && t < p.end);
}

/** A bucket belongs to the phase containing its start instant `bucket`. */
export function phaseOfBucket(phases: readonly Phase[], b: RequestBucketEvent): Phase | undefined {
  return phaseContaining(phases, b.bucket);
}

/** The window [from, to) of the first phase called `name`, or undefined when the run never entered it. */
export function phaseWindow(history: History, name: string, opts: PhaseOptions = {}): { from: number; to: number } | undefined {
  const phase = phasesOf(history, opts).find((p) => p.name === name);
  return phase ? { from: phase.start, to: phase.end } : undefined;
}
