import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import junitModule, { type Builder } from 'junit-report-builder';
import type { JournalFile } from './journal-schema.js';
import { checkRows, replicationModeOf, stackName } from './report-data.js';
import type { Reporter } from './reporter.js';

export const JUNIT_FILE = 'junit.xml';

// The package is CommonJS (`module.exports = builder`) but its types declare an ES default export, so under NodeNext
// TypeScript sees the builder one level down; at run time the default import is the builder itself.
const junitBuilder = junitModule as unknown as Builder;

/**
 * The run as JUnit XML (junit-report-builder, which escapes through xmlbuilder): one testsuite per experiment
 * journal, one testcase per check. `fail` is a failure and `unknown` an error (no evidence is not a pass), each
 * with the check's reason; the run's identity travels as the suite's properties.
 */
export function renderJunit(journal: JournalFile): string {
  // a builder of its own: the package's default export is a shared singleton
  const builder = junitBuilder.newBuilder();
  const seconds = Math.max(0, (Date.parse(journal.endedAt) - Date.parse(journal.startedAt)) / 1000);
  const suite = builder
    .testSuite()
    .name(journal.experiment)
    .timestamp(journal.startedAt)
    .time(seconds)
    .property('run id', journal.runId ?? journal.id)
    .property('stack', stackName(journal) ?? 'unknown')
    .property('replication mode', replicationModeOf(journal) ?? 'unknown')
    .property('time scale', String(journal.timeScale))
    .property('seed', journal.seed === null ? 'none' : String(journal.seed))
    .property('status', journal.status);
  if (journal.reason) suite.property('reason', journal.reason);
  const rows = checkRows(journal);
  for (const row of rows) {
    const c = suite.testCase().className(journal.experiment).name(row.name);
    if (row.status === 'fail') c.failure(row.reason, 'fail');
    else if (row.status === 'unknown') c.error(row.reason, 'unknown');
  }
  // a run that ended before any check (aborted at the gate, failed to come up): one case says why, as an error
  if (rows.length === 0 && journal.status !== 'completed') {
    suite.testCase().className(journal.experiment).name('run').error(journal.reason ?? `the run ${journal.status}`, journal.status);
  }
  return builder.build();
}

export function junitReporter(): Reporter {
  return {
    name: 'junit',
    async onEnd(journal, dir) {
      const file = path.join(dir, JUNIT_FILE);
      await writeFile(file, renderJunit(journal));
      return [file];
    },
  };
}
