import type { ExperimentSpec } from './run.js';

/**
 * Every experiment a loaded file declared, so `epj-chaos list` and `run --dry-run` can read a file's experiments
 * without running them. Kept on globalThis: an experiment file loaded from source (harness/experiment/load.ts)
 * and the CLI loaded from dist/ hold two copies of this module, and both must see the same list.
 */
export interface DeclaredExperiment {
  title: string;
  spec: ExperimentSpec;
  /**
   * The call stack of the `experiment()` call (set by declareExperiment): which file declared it, when files are
   * loaded into one module graph and one of them imports another (harness/experiment/load.ts)
   */
  declaredAt?: string;
}

const KEY = Symbol.for('epj-chaos.declared-experiments');

function declared(): DeclaredExperiment[] {
  const g = globalThis as { [KEY]?: DeclaredExperiment[] };
  return (g[KEY] ??= []);
}

export function declareExperiment(e: DeclaredExperiment): void {
  const limit = Error.stackTraceLimit;
  Error.stackTraceLimit = 50;
  const declaredAt = new Error().stack ?? '';
  Error.stackTraceLimit = limit;
  declared().push({ ...e, declaredAt });
}

/** Every experiment declared in this process so far. */
export function declaredExperiments(): readonly DeclaredExperiment[] {
  return declared();
}

