import type { History } from '../history/history.js';

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
