import path from 'node:path';
import type { CommandModule } from 'yargs';
import { EXIT } from '../../errors.js';
import { compareTargets, regressions } from '../../compare/compare.js';
import { compareSummary } from '../../compare/console.js';
import { writeComparison } from '../../compare/write.js';
import { PROJECT_ROOT } from '../../images/catalog.js';

interface Args {
  a: string;
  b: string;
  out?: string;
}

/** reports/compare-<UTC stamp>/ under the reports root journals go to by default */
export function defaultCompareDir(now = new Date()): string {
  return path.join(PROJECT_ROOT, 'reports', `compare-${now.toISOString().replace(/[:.]/g, '-')}`);
}

export const compareCommand: CommandModule<object, Args> = {
  command: 'compare <a> <b>',
  describe: 'Compare two releases from their journals alone (no Docker): A the baseline, B the candidate; exit 1 when anything got worse beyond the run-to-run noise',
  builder: (y) =>
    y
      .positional('a', { type: 'string', demandOption: true, describe: 'the baseline: a journal.json, a run directory, or a reports directory of repeated runs' })
      .positional('b', { type: 'string', demandOption: true, describe: 'the candidate, likewise' })
      .option('out', { type: 'string', requiresArg: true, describe: 'where compare.html, compare.md and compare.xml go (default reports/compare-<timestamp>/)' }),
  handler: async (args) => {
    const comparison = await compareTargets(args.a, args.b);
    const files = await writeComparison(comparison, args.out ? path.resolve(args.out) : defaultCompareDir());
    for (const line of compareSummary(comparison)) console.log(line);
    for (const f of files) console.log(`wrote ${f}`);
    if (regressions(comparison).length > 0) process.exitCode = EXIT.failed;
  },
};
