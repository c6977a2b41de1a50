import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { JournalFile } from './journal-schema.js';
import { checkRows, describeRto, lostWriteRows, replicationModeOf, rtoRows, stackName, stackOptions, STATUS_WORD } from './report-data.js';
import { savedContainerLogs } from './container-logs.js';
import type { Reporter } from './reporter.js';

export const SUMMARY_FILE = 'summary.md';

/** Text in a Markdown table cell: pipes escaped, line breaks flattened, so a reason cannot break the table. */
export function cell(text: string): string {
  return text.replace(/\\/g, '\\\\').replace(/\|/g, '\\|').replace(/\r?\n/g, ' ');
}

/**
 * `summary.md`, for a CI job summary ($GITHUB_STEP_SUMMARY): the title, the run's status, a table of the checks
 * with their verdicts and reasons, the RTOs (scripted + measured), the lost writes, and where the journal is.
 */
export function renderMarkdown(journal: JournalFile, journalPath: string, containerLogs: readonly string[] = []): string {
  const lines: string[] = [];
  const rows = checkRows(journal);
  const failed = rows.filter((r) => r.status !== 'pass').length;
  lines.push(`## ${cell(journal.experiment)}`, '');
  lines.push(
    `**Status:** ${journal.status}${journal.reason ? ` — ${cell(journal.reason)}` : ''} · ` +
      `${rows.length - failed} of ${rows.length} checks passed`,
    '',
  );
  const facts = [
    `run \`${journal.runId ?? journal.id}\``,
    `stack ${stackName(journal) ?? 'unknown'}`,
    `replication ${replicationModeOf(journal) ?? 'unknown'}`,
    `time scale ×${journal.timeScale}`,
    `seed ${journal.seed ?? 'none'}`,
  ];
  lines.push(facts.join(' · '), '');
  const options = stackOptions(journal);
  if (options) lines.push(`Stack options: ${cell(options)}`, '');
  if (rows.length > 0) {
    lines.push('| Check | Verdict | Reason |', '| --- | --- | --- |');
    for (const r of rows) lines.push(`| ${cell(r.name)} | ${STATUS_WORD[r.status]} | ${cell(r.reason)} |`);
    lines.push('');
  } else {
    lines.push('No check was judged.', '');
  }
  const rtos = rtoRows(journal);
  if (rtos.length > 0) {
    lines.push('### RTO', '', '| Function after fault | RTO (scenario time: scripted + measured) |', '| --- | --- |');
    for (const r of rtos) lines.push(`| ${cell(r.label)} | ${cell(describeRto(r))} |`);
    lines.push('');
  }
  const lost = lostWriteRows(journal);
  if (lost.length > 0) {
    lines.push(`### Lost writes (${lost.length})`, '', '| Function | Resource | Acknowledged at |', '| --- | --- | --- |');
    for (const l of lost) {
      const at = Number.isFinite(l.acknowledgedAt) ? new Date(l.acknowledgedAt).toISOString() : '?';
      lines.push(`| ${cell(l.fn)} | ${cell(`${l.resourceType}${l.resourceId ? `/${l.resourceId}` : ''}`)} | ${at} |`);
    }
    lines.push('');
  } else if (rows.some((r) => r.name === 'lost writes' || /lost/i.test(r.name))) {
    lines.push('No acknowledged write was lost.', '');
  }
  lines.push(`Journal: \`${journalPath}\``, '');
  if (containerLogs.length > 0) {
    lines.push(`Container logs (scrubbed) beside it in \`logs/\`: ${containerLogs.map((c) => `\`${c}.log\``).join(', ')}`, '');
  }
  return lines.join('\n');
}

export function markdownReporter(): Reporter {
  return {
    name: 'markdown',
    async onEnd(journal, dir) {
      const file = path.join(dir, SUMMARY_FILE);
      // the journal's path as a reader of the job summary finds it: relative to the working directory when under it
      const journalPath = path.resolve(dir, 'journal.json');
      const relative = path.relative(process.cwd(), journalPath);
      const shown = relative && !relative.startsWith('..') && !path.isAbsolute(relative) ? relative : journalPath;
      await writeFile(file, renderMarkdown(journal, shown, await savedContainerLogs(dir)));
      return [file];
    },
  };
}
