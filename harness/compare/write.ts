import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Comparison } from './compare.js';
import { renderCompareHtml } from './html.js';
import { renderCompareJunit } from './junit.js';
import { renderCompareMarkdown } from './markdown.js';

export const COMPARE_FILES = { html: 'compare.html', markdown: 'compare.md', junit: 'compare.xml' } as const;

/** Writes compare.html, compare.md and compare.xml into `dir` (made if missing) and returns their paths. */
export async function writeComparison(c: Comparison, dir: string): Promise<string[]> {
  await mkdir(dir, { recursive: true });
  const files: [string, string][] = [
    [COMPARE_FILES.html, renderCompareHtml(c)],
    [COMPARE_FILES.markdown, renderCompareMarkdown(c)],
    [COMPARE_FILES.junit, renderCompareJunit(c)],
  ];
  for (const [name, text] of files) await writeFile(path.join(dir, name), text);
  return files.map(([name]) => path.join(dir, name));
}
