import { existsSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import Docker from 'dockerode';
import { IMAGES } from '../../harness/images/catalog.js';
import { referenceStack } from '../../harness/stack/reference-stack.js';
import { newRunId, objectName } from '../../harness/stack/names.js';
import { upStack } from '../../harness/stack/up.js';
import { pollUntil } from '../../harness/stack/wait/poll.js';
import { runCli, startCli } from '../support/cli.js';
import { NOTHING, runObjects } from '../support/docker-objects.js';

describe('stack lifecycle', function () {
  this.timeout(180_000);
  const docker = new Docker();

  it('leaves a bystander with a colliding name alone, through up, down and clean', async () => {
    const run = newRunId();
    // Someone else's container and network, named exactly as the run's would be, without our labels.
    const bystanderNet = await docker.createNetwork({ Name: objectName(run, 'site-a'), Driver: 'bridge' });
    const bystander = await docker.createContainer({ name: objectName(run, 'a-db'), Image: IMAGES.toxiproxy });
    try {
      let failure: Error | undefined;
      try {
        await upStack(referenceStack(), { runId: run });
      } catch (err) {
        failure = err as Error;
      }
      expect(failure?.message).to.match(/already|in use|exists/i);
      expect(await runObjects(run)).to.deep.equal(NOTHING);

      const clean = await runCli(['clean']);
      expect(clean.code).to.equal(0);
      expect((await bystander.inspect()).Name).to.equal(`/${objectName(run, 'a-db')}`);
      expect((await bystanderNet.inspect()).Name).to.equal(objectName(run, 'site-a'));
    } finally {
      await bystander.remove({ force: true });
      await bystanderNet.remove();
    }
  });

  it('runs two stacks at once without colliding, and down removes only its own run', async () => {
    const [one, two] = await Promise.all([upStack(referenceStack()), upStack(referenceStack())]);
    try {
      expect(one.runId).to.not.equal(two.runId);
      expect(one.linkPort('epj-front')).to.not.equal(two.linkPort('epj-front'));
      for (const s of [one, two]) {
        const res = await fetch(`${s.functionUrl('journal-lookup')}/metadata`);
        expect(res.status).to.equal(200);
      }
      await one.down();
      await one.down(); // twice is fine
      expect(await runObjects(one.runId)).to.deep.equal(NOTHING);
      expect((await runObjects(two.runId)).containers).to.equal(7); // six of the stack and its Toxiproxy
    } finally {
      await Promise.all([one.down(), two.down()]);
    }
    expect(await runObjects(two.runId)).to.deep.equal(NOTHING);
  });

  it('clean removes a run whose process was killed with SIGKILL in the middle of up', async () => {
    const run = newRunId();
    const { child, result } = startCli(['stack', 'up', '--run-id', run]);
    await pollUntil('the run to have containers', async () => (await runObjects(run)).containers >= 3, { timeoutMs: 60_000, intervalMs: 20 });
    child.kill('SIGKILL');
    expect((await result).signal).to.equal('SIGKILL');
    expect((await runObjects(run)).containers).to.be.greaterThan(0);
    // what a matrix killed mid-run leaves on disk: its journal spill, named with its process id
    const spill = path.join(tmpdir(), `epj-chaos-spill-${child.pid}-Kill9x`);
    await mkdir(spill);
    await writeFile(path.join(spill, 'events.ndjson'), '{}\n');

    const clean = await runCli(['clean']);
    expect(clean.code, clean.stderr).to.equal(0);
    expect(clean.stdout).to.contain(run);
    expect(clean.stdout).to.contain(`removed ${spill} (its run's process ${child.pid} is gone)`);
    expect(existsSync(spill)).to.equal(false);
    expect(await runObjects(run)).to.deep.equal(NOTHING);
  });

  it('Ctrl-C during up removes everything and exits non-zero', async () => {
    const run = newRunId();
    const { child, result } = startCli(['stack', 'up', '--run-id', run]);
    await pollUntil('the run to have containers', async () => (await runObjects(run)).containers >= 2, { timeoutMs: 60_000, intervalMs: 20 });
    child.kill('SIGINT');
    const r = await result;
    expect(r.code).to.equal(130);
    expect(r.stderr).to.match(/interrupted|SIGINT/);
    expect(await runObjects(run)).to.deep.equal(NOTHING);
  });

  describe('bad input: clear error, non-zero exit, nothing left behind', () => {
    it('an unknown replication mode', async () => {
      const run = newRunId();
      const r = await runCli(['stack', 'up', '--replication', 'eventually', '--run-id', run]);
      expect(r.code).to.not.equal(0);
      expect(r.stderr).to.contain("unknown replication mode 'eventually'").and.to.contain('remote_apply');
      expect(await runObjects(run)).to.deep.equal(NOTHING);
    });

    // a port already taken: test/integration/bad-input.test.ts (exit 2, the one message, nothing created)

    it('no Docker daemon', async () => {
      const r = await runCli(['stack', 'up'], { DOCKER_HOST: 'unix:///tmp/epj-chaos-no-such-docker.sock' });
      expect(r.code).to.not.equal(0);
      expect(r.stderr).to.contain('no Docker daemon answers').and.to.contain('/tmp/epj-chaos-no-such-docker.sock');
    });

    it('an invalid vendor stack definition', async () => {
      const { writeFile, mkdtemp, rm } = await import('node:fs/promises');
      const dir = await mkdtemp('/tmp/epj-chaos-def-');
      const file = `${dir}/vendor.json`;
      await writeFile(file, JSON.stringify({ name: 'vendor', sites: [{ id: 'a', name: 'A' }], containers: [{ name: 'app', site: 'z', role: 'epj', image: 'x', dependsOn: [{ container: 'db' }] }] }));
      const r = await runCli(['stack', 'up', '--definition', file]).finally(() => rm(dir, { recursive: true, force: true }));
      expect(r.code).to.not.equal(0);
      expect(r.stderr).to.contain("container 'app' is at site 'z', which is not defined").and.to.contain("unknown container 'db'");
    });
  });
});
