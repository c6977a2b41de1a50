import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { describeError, InvalidInputError } from '../errors.js';
import { PROJECT_ROOT } from '../images/catalog.js';
import { declaredExperiments, type DeclaredExperiment } from './registry.js';
import { typeScriptOf } from './source.js';

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

let tsx: Promise<unknown> | undefined;
function registerTsx(): Promise<unknown> {
  return (tsx ??= import('tsx/esm/api').then(({ register }) => register()));
}

/**
 * Loads experiment files without running them (`epj-chaos list`, `run --dry-run`): a TypeScript file as it is,
 * through tsx's loader, a compiled one directly. A file that does not load, or declares no experiment, is bad input
 * named by its path.
 *
 * All files share one module graph (tsx registered once), so the harness sources they import load once, not once
 * per file. A module is evaluated once, though: a file another one imports declares its experiments while that one
 * loads. So each experiment is given to the file whose code called `experiment()` — found in the call's stack
 * (registry.ts) — not to the file being imported when it happened.
 */
export async function loadExperimentFiles(files: readonly string[]): Promise<LoadedFile[]> {
  const unique = [...new Map(files.map((f) => [path.resolve(f), f])).entries()];
  for (const [abs, file] of unique) {
    if (!existsSync(abs)) throw new InvalidInputError(`experiment file ${file} does not exist`);
    try {
      if (abs.endsWith('.ts')) await registerTsx();
      await import(pathToFileURL(abs).href);
    } catch (err) {
      throw new InvalidInputError(`experiment file ${file} does not load: ${describeError(err).split('\n')[0]}`);
    }
  }
  const all = declaredExperiments();
  return unique.map(([abs, file]) => {
    const experiments = all.filter((e) => declaredIn(e, abs)).map(({ title, spec }) => ({ title, spec }));
    if (experiments.length === 0) throw new InvalidInputError(`experiment file ${file} declares no experiment (it must call experiment(title, spec))`);
    return { file, experiments };
  });
}

/**
 * Whether the stack of the experiment's declaration passes through `file` (a frame `file:///…/x.ts:12:3`, or a
 * path) — or, for a compiled file, through the TypeScript it came from: with source maps on (tsx registered for
 * another file, or --enable-source-maps) the frames name that.
 */
function declaredIn(e: DeclaredExperiment, file: string): boolean {
  const at = e.declaredAt ?? '';
  return [...new Set([file, typeScriptOf(file)])].some((f) => [pathToFileURL(f).href, f].some((where) => at.includes(`${where}:`)));
}
