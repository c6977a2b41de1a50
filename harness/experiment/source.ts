import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { PROJECT_ROOT } from '../images/catalog.js';

/** The experiment's own text, kept in its journal so a report shows what was run (not a later edit of the file). */
export interface ExperimentSource {
  /** relative to the project (or the working directory) when under it */
  file: string;
  text: string;
}

/** Larger files are cut: an experiment is a page or two, and a report should not carry a bundle. */
const MAX_SOURCE_BYTES = 100_000;

/**
 * Reads the file an experiment was declared in. A compiled experiment (dist/…/x.experiment.js) is shown as the
 * TypeScript it was compiled from when that file is there. Undefined when it cannot be read: a report without the
 * text is better than a run that fails over it.
 */
export async function readExperimentSource(file: string): Promise<ExperimentSource | undefined> {
  const original = typeScriptOf(file);
  const candidates = original !== path.resolve(file) ? [original, file] : [file];
  for (const candidate of candidates) {
    try {
      if (!(await stat(candidate)).isFile()) continue;
      const raw = await readFile(candidate, 'utf8');
      const text = raw.length > MAX_SOURCE_BYTES ? `${raw.slice(0, MAX_SOURCE_BYTES)}\n… (cut at ${MAX_SOURCE_BYTES} characters)\n` : raw;
      return { file: shortPath(candidate), text };
    } catch {
      // the next candidate, or none
    }
  }
  return undefined;
}

function shortPath(file: string): string {
  for (const base of [PROJECT_ROOT, process.cwd()]) {
    const rel = path.relative(base, path.resolve(file));
    if (rel && !rel.startsWith('..') && !path.isAbsolute(rel)) return rel;
  }
  return path.resolve(file);
}

/** The TypeScript a compiled experiment (…/dist/…/x.experiment.js) came from, where it would be; else the file itself. */
export function typeScriptOf(file: string): string {
  const compiled = /^(.*)[\\/]dist[\\/](.+)\.js$/.exec(path.resolve(file));
  return compiled ? path.join(compiled[1]!, `${compiled[2]!}.ts`) : path.resolve(file);
}
