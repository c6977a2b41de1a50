import type { ExperimentSpec } from './run.js';

/**
 * Every experiment a loaded file declared, so `epj-chaos list` and `run --dry-run` can read a file's experiments
 * without running them. Kept on globalThis: an experiment file loaded from source (harness/experiment/load.ts)
 * and the CLI loaded from dist/ hold two copies of this module, and both must see the same list.
 */
export interface DeclaredExperiment {
  title: string;
  spec: ExperimentSpec;
}

const KEY = Symbol.for('epj-chaos.declared-experiments');

function declared(): DeclaredExperiment[] {
  const g = globalThis as { [KEY]?: DeclaredExperiment[] };
  return (g[KEY] ??= []);
}

export function declareExperiment(e: DeclaredExperiment): void {
  declared().push(e);
}

/** The experiments declared since `mark` (a length of the list taken before loading a file). */
export function declaredSince(mark: number): DeclaredExperiment[] {
  return declared().slice(mark);
}

export function declaredCount(): number {
  return declared().length;
}
