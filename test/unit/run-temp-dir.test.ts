import { spawnSync } from 'node:child_process';
import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import { processAlive } from '../../harness/util/process-alive.js';
import { makeRunTempDir, removeOrphanedRunTempDirs } from '../../harness/util/run-temp-dir.js';

/** The pid of a process that has already ended (a reused pid would only make the test keep a directory). */
function deadPid(): number {
  const child = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
  const pid = Number(child.stdout);
  expect(processAlive(pid), `pid ${pid} still alive`).to.equal(false);
  return pid;
}

describe('run temporary directories', () => {
  let root: string;
  beforeEach(async () => {
    root = await mkdtemp(path.join(tmpdir(), 'epj-chaos-tmp-root-'));
  });
  afterEach(() => rm(root, { recursive: true, force: true }));

  it("are named with their owner's process id", async () => {
    const dir = await makeRunTempDir('spill', root);
    expect(path.basename(dir)).to.match(new RegExp(`^epj-chaos-spill-${process.pid}-[A-Za-z0-9]{6}$`));
  });

  it("clean removes a dead owner's, and leaves a live owner's and everything else alone", async () => {
    const dead = deadPid();
    const mine = await makeRunTempDir('k6', root);
    const orphan = path.join(root, `epj-chaos-spill-${dead}-Ab12cd`);
    await mkdir(orphan);
    await writeFile(path.join(orphan, 'events.ndjson'), '{}\n');
    // look-alikes: a test's scratch directory, a file with the pattern's name, another prefix
    await mkdir(path.join(root, `epj-chaos-secrets-${dead}-Ab12cd`));
    await writeFile(path.join(root, `epj-chaos-k6-${dead}-Zz99zz`), '');
    await mkdir(path.join(root, `epj-k6-${dead}-Ab12cd`));

    const removed = await removeOrphanedRunTempDirs(root);
    expect(removed).to.deep.equal([{ dir: orphan, ownerPid: dead }]);
    expect((await readdir(root)).sort()).to.deep.equal([path.basename(mine), `epj-chaos-k6-${dead}-Zz99zz`, `epj-chaos-secrets-${dead}-Ab12cd`, `epj-k6-${dead}-Ab12cd`].sort());
  });

  it('a root that does not exist has nothing to clean', async () => {
    expect(await removeOrphanedRunTempDirs(path.join(root, 'gone'))).to.deep.equal([]);
  });
});
