import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { processAlive } from './process-alive.js';

/**
 * Temporary directories a run keeps on disk (a matrix's journal spill, a k6 run's points). A run removes its own when
 * it ends; one killed with SIGKILL cannot, and the reaper removes Docker objects, not files. So each directory is
 * named with its owner's process id, and `clean` removes those whose owner is gone
 * (harness/cli/commands/clean.ts), as it does a dead owner's containers.
 */
const NAME = /^epj-chaos-(spill|k6)-(\d+)-[A-Za-z0-9]{6}$/;
export type RunTempKind = 'spill' | 'k6';

export function makeRunTempDir(kind: RunTempKind, root = tmpdir()): Promise<string> {
  return mkdtemp(path.join(root, `epj-chaos-${kind}-${process.pid}-`));
}

export interface RemovedTempDir {
  dir: string;
  ownerPid: number;
}

/** Removes the run temporary directories under `root` whose owner process is gone; nothing else there is touched. */
export async function removeOrphanedRunTempDirs(root = tmpdir()): Promise<RemovedTempDir[]> {
  const entries = await readdir(root, { withFileTypes: true }).catch(() => []);
  const removed: RemovedTempDir[] = [];
  for (const e of entries) {
    const m = e.isDirectory() ? NAME.exec(e.name) : null;
    if (!m) continue;
    const ownerPid = Number(m[2]);
    if (processAlive(ownerPid)) continue;
    const dir = path.join(root, e.name);
    await rm(dir, { recursive: true, force: true });
    removed.push({ dir, ownerPid });
  }
  return removed;
}
