import type { History } from '../history/history.js';

/**
 * The phases the harness records on its own: the transitions between asking for a step and its proof, the gate's
 * window (harness/experiment/run.ts) and the scenario's end, which the RTO check judges up to. A timeline's phases may
 * not take these names (harness/timeline/timeline.ts refuses them): a check of the one would count the other's attempts.
 */
export const HARNESS_PHASE = { takingHold: 'taking hold', healing: 'healing', steadyState: 'steady state', end: 'end' } as const;
const HARNESS_PHASE_NAMES: readonly string[] = Object.values(HARNESS_PHASE);

/** Whether a timeline may call a phase `name`. */
export function isFreePhaseName(name: string): boolean {
  return !HARNESS_PHASE_NAMES.includes(name);
}

export const HARNESS_PHASE_NAME_RULE = `a name the harness records itself (${HARNESS_PHASE_NAMES.map((n) => `'${n}'`).join(', ')}): name the phase differently`;

/**
 * Records where a phase begins (docs/measurements.md): at `certainFrom`, the instant its step's effect was certain,
 * with the attempts that started between asking for it (`from`) and then set apart as a phase of their own,
 * `transition`, so neither neighbour counts them. `onset`: the phase begins with a fault's first effect, and a
 * failed attempt it caught unanswered is the fault's (harness/workload/buckets.ts). One way for the timeline and the
 * matrix (harness/timeline/timeline.ts, harness/matrix/run-matrix.ts).
 */
export function recordPhaseStart(history: History, name: string, at: { from: number; certainFrom: number }, transition: string, onset: boolean): void {
  const mark = onset ? { onset: true as const } : {};
  // `from` is taken before the step acts, `certainFrom` once it is proven (or a scheduled instant): both anchored
  if (at.certainFrom > at.from) history.record({ kind: 'phase', name: transition, t: at.from, ...mark, anchored: true, transition: true });
  history.record({ kind: 'phase', name, t: at.certainFrom, ...(at.certainFrom > at.from ? {} : mark), anchored: true });
}
