import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { describeError, InvalidInputError } from '../errors.js';
import { PROJECT_ROOT } from '../images/catalog.js';
import { declaredCount, declaredSince, type DeclaredExperiment } from './registry.js';

/** The library: every experiments/*.experiment.ts of the project. */
export function libraryFiles(): string[] {
  const dir = path.join(PROJECT_ROOT, 'experiments');
  return readdirSync(dir)
    .filter((f) => f.endsWith('.experiment.ts'))
    .sort()
    .map((f) => path.join(dir, f));
}

export interface LoadedFile {
  file: string;
  experiments: DeclaredExperiment[];
}

/** what each file declared when it was first loaded: a module is evaluated once per process */
const loadedBefore = new Map<string, DeclaredExperiment[]>();

let tsx: Promise<unknown> | undefined;
function registerTsx(): Promise<unknown> {
  return (tsx ??= import('tsx/esm/api').then(({ register }) => register()));
}

/**
 * Loads experiment files without running them (`epj-chaos list`, `run --dry-run`): a TypeScript file as it is,
 * through tsx's loader, a compiled one directly. A file that does not load, or declares no experiment, is bad input
 * named by its path.
 */
export async function loadExperimentFiles(files: readonly string[]): Promise<LoadedFile[]> {
  const loaded: LoadedFile[] = [];
  for (const file of files) {
    const abs = path.resolve(file);
    if (!existsSync(abs)) throw new InvalidInputError(`experiment file ${file} does not exist`);
    const before = loadedBefore.get(abs);
    if (before) {
      if (!loaded.some((l) => path.resolve(l.file) === abs)) loaded.push({ file, experiments: before });
      continue;
    }
    const mark = declaredCount();
    try {
      // TypeScript through tsx's loader, registered once for the process: the harness sources the files import are
      // then loaded once for all of them, not once per file (tsImport's own namespace each time)
      if (abs.endsWith('.ts')) await registerTsx();
      await import(pathToFileURL(abs).href);
    } catch (err) {
      throw new InvalidInputError(`experiment file ${file} does not load: ${describeError(err).split('\n')[0]}`);
    }
    const experiments = declaredSince(mark);
    if (experiments.length === 0) throw new InvalidInputError(`experiment file ${file} declares no experiment (it must call experiment(title, spec))`);
    loadedBefore.set(abs, experiments);
    loaded.push({ file, experiments });
  }
  return loaded;
}
