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
    const mark = declaredCount();
    try {
      if (abs.endsWith('.ts')) {
        const { tsImport } = await import('tsx/esm/api');
        await tsImport(pathToFileURL(abs).href, import.meta.url);
      } else {
        await import(pathToFileURL(abs).href);
      }
    } catch (err) {
      throw new InvalidInputError(`experiment file ${file} does not load: ${describeError(err).split('\n')[0]}`);
    }
    const experiments = declaredSince(mark);
    if (experiments.length === 0) throw new InvalidInputError(`experiment file ${file} declares no experiment (it must call experiment(title, spec))`);
    loaded.push({ file, experiments });
  }
  return loaded;
}
