import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import type { CommandModule } from 'yargs';
import { describeError, EXIT, InvalidInputError } from '../../errors.js';
import { journalsOf } from '../../reporters/journal-files.js';
import { readJournal } from '../../reporters/journal-schema.js';
import { runReporters, type ReporterFailure } from '../../reporters/multiplexer.js';
import { createReporters, reporterNames } from '../../reporters/registry.js';
import { reporterFlag } from './run.js';

interface Args {
  target: string;
  reporter?: string[];
  out?: string;
}

export interface ReportOutcome {
  /** journal files rendered */
  journals: string[];
  files: string[];
  failures: (ReporterFailure & { journal: string })[];
  /** journals that could not be read: their errors name the file and the field */
  invalid: { journal: string; error: unknown }[];
}

/**
 * Re-renders the reports of every journal `target` names, from the journal alone (no stack, no Docker), into the
 * journal's own directory — or `out` (one journal) / `out/<journal id>` (several).
 */
export async function renderReports(target: string, opts: { reporters?: readonly string[]; out?: string; log?: (line: string) => void } = {}): Promise<ReportOutcome> {
  const log = opts.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  const journals = await journalsOf(target);
  const outcome: ReportOutcome = { journals: [], files: [], failures: [], invalid: [] };
  for (const file of journals) {
    let journal;
    try {
      journal = await readJournal(file);
    } catch (error) {
      outcome.invalid.push({ journal: file, error });
      continue;
    }
    const dir = opts.out ? (journals.length === 1 ? opts.out : path.join(opts.out, journal.id)) : path.dirname(file);
    await mkdir(dir, { recursive: true });
    const { files, failures } = await runReporters(createReporters(opts.reporters ?? reporterNames()), journal, dir, log);
    outcome.journals.push(file);
    outcome.files.push(...files);
    outcome.failures.push(...failures.map((f) => ({ ...f, journal: file })));
  }
  return outcome;
}

export const reportCommand: CommandModule<object, Args> = {
  command: 'report <target>',
  describe: 'Re-render the reports of a run from its journal alone (no stack needed): a journal.json, a run directory, or a reports directory (every run in it)',
  builder: (y) =>
    y
      .positional('target', { type: 'string', demandOption: true, describe: 'reports/<run-id>/journal.json, reports/<run-id>/, or reports/' })
      .option('reporter', { type: 'string', requiresArg: true, coerce: reporterFlag, describe: `which reports, comma-separated (default: all of ${reporterNames().join(', ')})` })
      .option('out', { type: 'string', requiresArg: true, describe: 'write here instead of beside each journal (several journals: one directory per run in it)' }),
  handler: async (args) => {
    const outcome = await renderReports(args.target, { ...(args.reporter ? { reporters: args.reporter } : {}), ...(args.out ? { out: path.resolve(args.out) } : {}) });
    for (const f of outcome.files) console.log(`wrote ${f}`);
    if (outcome.invalid.length > 0) {
      const lines = outcome.invalid.map((i) => describeError(i.error));
      if (outcome.journals.length === 0 && outcome.invalid.length === 1) throw outcome.invalid[0]!.error;
      throw new InvalidInputError(`${outcome.invalid.length} of ${outcome.invalid.length + outcome.journals.length} journals could not be read (the others were rendered):\n${lines.join('\n')}`);
    }
    if (outcome.failures.length > 0) process.exitCode = EXIT.failed;
  },
};
