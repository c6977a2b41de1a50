import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readdir, readFile, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { run } from '../images/build.js';
import { PROJECT_ROOT } from '../images/catalog.js';

/** Source of the Go load generator (its own module) and where the static binary goes. */
export const EPJ_LOAD_SOURCE = path.join(PROJECT_ROOT, 'harness', 'workload', 'epj-load');
export const EPJ_LOAD_BIN = path.join(PROJECT_ROOT, '.tools', 'bin', 'epj-load');

/**
 * Builds epj-load (vegeta-based, see docs/adr/0001-load-generator.md) with CGO_ENABLED=0 into .tools/bin,
 * unless the binary exists and was built from sources with the same hash (kept next to it in `epj-load.hash`).
 */
export async function buildEpjLoadBinary(opts: { force?: boolean } = {}): Promise<string> {
  const files = (await readdir(EPJ_LOAD_SOURCE)).filter((f) => f.endsWith('.go') || f === 'go.mod' || f === 'go.sum').sort();
  const h = createHash('sha256');
  for (const f of files) h.update(f).update('\0').update(await readFile(path.join(EPJ_LOAD_SOURCE, f))).update('\0');
  const hash = h.digest('hex').slice(0, 16);
  const hashFile = `${EPJ_LOAD_BIN}.hash`;
  if (!opts.force && existsSync(EPJ_LOAD_BIN) && existsSync(hashFile) && (await readFile(hashFile, 'utf8')) === hash) return 'up to date';
  await mkdir(path.dirname(EPJ_LOAD_BIN), { recursive: true });
  const tmp = `${EPJ_LOAD_BIN}.tmp-${process.pid}`;
  await run('go', ['build', '-trimpath', '-ldflags=-s -w', '-o', tmp, '.'], {
    cwd: EPJ_LOAD_SOURCE,
    env: { ...process.env, CGO_ENABLED: '0', GOFLAGS: '-mod=mod' },
  });
  await rename(tmp, EPJ_LOAD_BIN); // atomic: a running epj-load keeps its old inode
  await writeFile(hashFile, hash);
  return 'built';
}
