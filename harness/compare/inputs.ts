import { journalsOf } from '../reporters/journal-files.js';
import { readJournal, type JournalFile } from '../reporters/journal-schema.js';

/**
 * One side of a comparison: what a target names (a journal file, a run directory, a reports directory of several
 * runs — resolved as `epj-chaos report` resolves it), each journal read and checked. A bad journal is an
 * InvalidInputError naming its file and field; a path without a journal one naming the path.
 */
export interface Side {
  target: string;
  runs: { file: string; journal: JournalFile }[];
}

export async function loadSide(target: string): Promise<Side> {
  const runs: Side['runs'] = [];
  for (const file of await journalsOf(target)) runs.push({ file, journal: await readJournal(file) });
  return { target, runs };
}

/** The side's journals by experiment title (several: repeats of the same experiment), titles in first-seen order. */
export function byExperiment(side: Side): Map<string, JournalFile[]> {
  const by = new Map<string, JournalFile[]>();
  for (const { journal } of side.runs) by.set(journal.experiment, [...(by.get(journal.experiment) ?? []), journal]);
  return by;
}
