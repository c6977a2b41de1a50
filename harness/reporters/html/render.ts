import type { JournalFile } from '../journal-schema.js';
import { esc } from './escape.js';

/** Renders a journal as one self-contained HTML page (no request leaves the file). Pure: the same journal, the same page. */
export function renderHtml(journal: JournalFile): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${esc(journal.experiment)} — epj-chaos</title></head><body><h1>${esc(journal.experiment)}</h1><p>Status: ${esc(journal.status)}</p></body></html>\n`;
}
