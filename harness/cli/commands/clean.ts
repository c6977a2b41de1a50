import { readdir, readFile, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import type { CommandModule } from 'yargs';
import { connectDocker } from '../../docker/client.js';
import { reap } from '../../docker/reaper.js';
import { PROJECT_ROOT } from '../../images/catalog.js';
import { removeOrphanedRunTempDirs } from '../../util/run-temp-dir.js';

interface Args {
  all: boolean;
  run?: string;
  reports?: boolean;
  keep?: number;
  'report-dir'?: string;
}

export const DEFAULT_KEEP_REPORTS = 20;

export interface PrunedRun {
  id: string;
  dir: string;
  /** the journal's startedAt (its file's modification time when the journal does not say) */
  startedAt: string;
}

/** When a run started, from its journal's startedAt; the journal file's modification time when that is unreadable. */
async function startedAt(journal: string): Promise<number> {
  try {
    const t = Date.parse((JSON.parse(await readFile(journal, 'utf8')) as { startedAt?: string }).startedAt ?? '');
    if (Number.isFinite(t)) return t;
  } catch {
    // not JSON, or unreadable: fall back to the file's time
  }
  return (await stat(journal)).mtimeMs;
}

/**
 * Retention: removes the run directories directly under `root` that hold a journal.json, all but the newest `keep`
 * (by the run's start). Nothing else under `root` is touched: files, and directories without a journal.json, stay.
 */
export async function pruneReports(root: string, keep: number): Promise<PrunedRun[]> {
  const entries = await readdir(root, { withFileTypes: true }).catch((err: NodeJS.ErrnoException) => {
    if (err.code === 'ENOENT') return [];
    throw err;
  });
  const runs: { id: string; dir: string; at: number }[] = [];
  for (const e of entries) {
    if (!e.isDirectory()) continue;
    const dir = path.join(root, e.name);
    const journal = path.join(dir, 'journal.json');
    const s = await stat(journal).catch(() => null);
    if (!s?.isFile()) continue;
    runs.push({ id: e.name, dir, at: await startedAt(journal) });
  }
  // newest first; the name breaks ties so the order never depends on readdir's
  runs.sort((a, b) => b.at - a.at || b.id.localeCompare(a.id));
  const removed: PrunedRun[] = [];
  for (const r of runs.slice(keep)) {
    await rm(r.dir, { recursive: true, force: true });
    removed.push({ id: r.id, dir: r.dir, startedAt: new Date(r.at).toISOString() });
  }
  return removed;
}

function keepFlag(value: unknown): number {
  if (Array.isArray(value)) throw new Error('--keep is given more than once');
  const n = Number(value);
  if (!/^\d+$/.test(String(value)) || !Number.isSafeInteger(n)) throw new Error(`--keep must be a whole number of runs (0 or more), got '${value}'`);
  return n;
}

export const cleanCommand: CommandModule<object, Args> = {
  command: 'clean',
  describe: 'Remove leftovers of earlier runs (by label): runs whose process is gone, detached stacks included, and their temporary files; with --reports, old run directories under reports/ instead',
  builder: (y) =>
    y
      .option('all', { type: 'boolean', default: false, describe: 'also remove runs whose process is still alive' })
      .option('run', { type: 'string', describe: 'remove only this run' })
      .option('reports', { type: 'boolean', describe: `remove old run directories (those with a journal.json) under reports/, keeping the newest --keep (no Docker needed)` })
      .option('keep', { type: 'string', requiresArg: true, coerce: keepFlag, describe: `with --reports: how many of the newest runs to keep (default ${DEFAULT_KEEP_REPORTS})` })
      .option('report-dir', { type: 'string', requiresArg: true, describe: 'with --reports: the reports directory (default reports/)' })
      .check((a) => {
        if (a.reports && (a.all || a.run)) return '--reports does not go together with --all or --run: it removes report directories, not containers';
        if (!a.reports && (a.keep !== undefined || a['report-dir'] !== undefined)) return '--keep and --report-dir apply to --reports';
        return true;
      }),
  handler: async (args) => {
    if (args.reports) {
      const root = args['report-dir'] ? path.resolve(args['report-dir']) : path.join(PROJECT_ROOT, 'reports');
      const keep = args.keep ?? DEFAULT_KEEP_REPORTS;
      const removed = await pruneReports(root, keep);
      if (removed.length === 0) console.log(`nothing to clean in ${root} (at most ${keep} runs kept)`);
      for (const r of removed) console.log(`removed ${r.dir} (run started ${r.startedAt})`);
      if (removed.length > 0) console.log(`kept the newest ${keep} runs in ${root}`);
      return;
    }
    // a dead run's files first: they need no Docker engine (harness/util/run-temp-dir.ts)
    const files = args.run ? [] : await removeOrphanedRunTempDirs();
    for (const f of files) console.log(`removed ${f.dir} (its run's process ${f.ownerPid} is gone)`);
    const docker = await connectDocker();
    const removed = await reap(docker, args.run ? { kind: 'run', run: args.run } : args.all ? { kind: 'all' } : { kind: 'stale' });
    if (removed.length === 0 && files.length === 0) console.log('nothing to clean');
    for (const r of removed) {
      console.log(`removed run ${r.run} (${r.stack}): ${r.containers} containers, ${r.networks} networks, ${r.volumes} volumes`);
    }
  },
};
