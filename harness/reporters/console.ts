import path from 'node:path';
import type { JournalFile } from './journal-schema.js';
import { checkRows, STATUS_WORD } from './report-data.js';
import type { Reporter } from './reporter.js';

/** The short block at the end of a run: status, each check with its verdict and reason, where the reports are. */
export function renderConsole(journal: JournalFile, dir: string): string {
  const lines = [`${journal.experiment}: ${journal.status}${journal.reason ? ` (${journal.reason})` : ''}`];
  for (const r of checkRows(journal)) lines.push(`  ${STATUS_WORD[r.status].padEnd(7)} ${r.name}${r.status === 'pass' ? '' : `: ${r.reason}`}`);
  lines.push(`  reports: ${dir}${path.sep}`);
  return lines.join('\n');
}

export function consoleReporter(write: (text: string) => void = (t) => console.log(t)): Reporter {
  return {
    name: 'console',
    async onEnd(journal, dir) {
      write(renderConsole(journal, dir));
      return [];
    },
  };
}
