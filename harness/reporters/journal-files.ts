import { readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { InvalidInputError } from '../errors.js';

async function kind(p: string): Promise<'file' | 'dir' | null> {
  const s = await stat(p).catch(() => null);
  return s === null ? null : s.isDirectory() ? 'dir' : 'file';
}

/**
 * The journals a target names: a journal file; a run directory (its journal.json); a reports root (the journal.json
 * of every run directory in it, by name).
 */
export async function journalsOf(target: string): Promise<string[]> {
  const k = await kind(target);
  if (k === null) throw new InvalidInputError(`${target}: no such journal, run directory or reports directory`);
  if (k === 'file') return [target];
  const own = path.join(target, 'journal.json');
  if ((await kind(own)) === 'file') return [own];
  const entries = (await readdir(target, { withFileTypes: true })).filter((e) => e.isDirectory()).map((e) => e.name).sort();
  const found: string[] = [];
  for (const name of entries) {
    const j = path.join(target, name, 'journal.json');
    if ((await kind(j)) === 'file') found.push(j);
  }
  if (found.length === 0) throw new InvalidInputError(`${target} holds no journal: neither ${own} nor any <run-id>/journal.json in it`);
  return found;
}

