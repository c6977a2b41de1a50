import type { JournalFile } from './journal-schema.js';
/** Playwright's shape: every hook optional; a reporter renders a finished run from its journal alone. */
export interface Reporter {
  readonly name: string;
  /** the run's journal is written; render into `dir` (reports/<run-id>/) from the journal alone; return the files written */
  onEnd?(journal: JournalFile, dir: string): Promise<string[]>;
}
