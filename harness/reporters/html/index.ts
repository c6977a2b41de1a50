import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { JournalFile } from '../journal-schema.js';
import type { Reporter } from '../reporter.js';
import { savedContainerLogs } from '../container-logs.js';
import { renderHtml } from './render.js';

/** The self-contained HTML report (docs/report-html.md): `<dir>/index.html`, rendered from the journal alone. */
export function htmlReporter(): Reporter {
  return {
    name: 'html',
    async onEnd(journal: JournalFile, dir: string): Promise<string[]> {
      await mkdir(dir, { recursive: true });
      const file = join(dir, 'index.html');
      await writeFile(file, renderHtml(journal, { containerLogs: await savedContainerLogs(dir) }));
      return [file];
    },
  };
}

export { renderHtml };
