import path from 'node:path';
import { describeError } from '../errors.js';
import { readJournal } from './journal-schema.js';
import { describeReporterFailure, runReporters, type ReporterFailure } from './multiplexer.js';
import { createReporters, reporterNames } from './registry.js';

/**
 * After a run: reads its journal back (the reporters render from the journal alone, as `epj-chaos report` does) and
 * runs the chosen reporters (default: every one known) into the journal's directory. Never throws — reporters do not
 * change a run's status or exit code; each failure is one line through `log`.
 */
export async function renderRunReports(
  journalFile: string,
  names: readonly string[] | undefined,
  log: (line: string) => void,
): Promise<{ files: string[]; failures: ReporterFailure[] }> {
  try {
    const journal = await readJournal(journalFile);
    return await runReporters(createReporters(names ?? reporterNames()), journal, path.dirname(journalFile), log);
  } catch (error) {
    const failure = { reporter: 'all', error };
    log(`reports not written: ${describeError(error)}`);
    return { files: [], failures: [failure] };
  }
}

export { describeReporterFailure };
