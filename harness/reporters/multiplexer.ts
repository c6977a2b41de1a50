import { describeError } from '../errors.js';
import type { JournalFile } from './journal-schema.js';
import type { Reporter } from './reporter.js';

export interface ReporterFailure {
  reporter: string;
  error: unknown;
}

/** One line naming the reporter that failed and why. */
export function describeReporterFailure(f: ReporterFailure): string {
  return `reporter ${f.reporter} failed: ${describeError(f.error)}`;
}

/**
 * Runs every reporter's onEnd on the finished run, one after another: a reporter that throws is isolated (the others
 * still write) and its failure is returned and said in one line (`log`, stderr by default). Reporters never change
 * the run's status or exit code.
 */
export async function runReporters(
  reporters: readonly Reporter[],
  journal: JournalFile,
  dir: string,
  log: (line: string) => void = (line) => process.stderr.write(`${line}\n`),
): Promise<{ files: string[]; failures: ReporterFailure[] }> {
  const files: string[] = [];
  const failures: ReporterFailure[] = [];
  for (const r of reporters) {
    if (!r.onEnd) continue;
    try {
      files.push(...(await r.onEnd(journal, dir)));
    } catch (error) {
      const failure = { reporter: r.name, error };
      failures.push(failure);
      log(describeReporterFailure(failure));
    }
  }
  return { files, failures };
}
