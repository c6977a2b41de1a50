import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Verdict } from '../checkers/verdict.js';
import type { History } from '../history/history.js';
import { PROJECT_ROOT } from '../images/catalog.js';
import { Scrubber } from './scrubber.js';

/**
 * The artefact of a run (chaostoolkit's journal): what was run, its verdicts and every event of its history, as
 * one JSON file under reports/. Only what the run recorded goes in — synthetic patients, no environment — and all of
 * it passes the scrubber (harness/reporters/scrubber.ts): an error message that quoted a password does not keep it.
 */
export interface Journal {
  experiment: string;
  status: 'completed' | 'failed' | 'aborted' | 'interrupted';
  runId?: string;
  verdicts: Verdict[];
  history: History;
}

export async function writeJournal(j: Journal, dir = path.join(PROJECT_ROOT, 'reports')): Promise<string> {
  const events = j.history.all();
  const started = events[0]?.t ?? Date.now();
  const scrubber = Scrubber.fromEnvironment();
  const slug = scrubber.scrub(j.experiment).toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '').slice(0, 60);
  const file = path.join(dir, `${new Date(started).toISOString().replace(/[:.]/g, '-')}-${slug}.json`);
  await mkdir(dir, { recursive: true });
  await writeFile(
    file,
    scrubber.stringify(
      {
        experiment: j.experiment,
        status: j.status,
        runId: j.runId,
        startedAt: new Date(started).toISOString(),
        endedAt: new Date(events.at(-1)?.t ?? started).toISOString(),
        timeScale: j.history.clock.scale,
        verdicts: j.verdicts,
        events,
      },
      1,
    ),
  );
  return file;
}
