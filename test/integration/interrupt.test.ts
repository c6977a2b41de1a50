import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { expect } from 'chai';
import { pollUntil } from '../../harness/stack/wait/poll.js';
import { startCli } from '../support/cli.js';
import { NOTHING, runObjects } from '../support/docker-objects.js';

/** A scenario whose faults would last a minute, in a scratch directory: the signal arrives while they are active. */
async function longFaultScenario(dir: string): Promise<string> {
  const file = `${dir}/long-fault.json`;
  await writeFile(
    file,
    JSON.stringify({
      name: 'interrupted',
      timeline: [
        { at: 0, phase: 'fault', inject: { name: 'wan', kind: 'wan-cut' } },
        { at: 0, inject: { name: 'frozen', kind: 'container-pause', target: { container: 'b-epj' } } },
        { at: 0, inject: { name: 'slow', kind: 'latency', target: { links: ['epj-front'] }, latencyMs: 200 } },
        { at: 60_000, heal: 'wan' },
        { at: 60_000, heal: 'frozen' },
        { at: 60_000, heal: 'slow' },
      ],
    }),
  );
  return file;
}

for (const [signal, code] of [
  ['SIGINT', 130],
  ['SIGTERM', 143],
] as const) {
  describe(`${signal} in the middle of active faults`, function () {
    this.timeout(120_000);
    let dir: string;
    before(async () => (dir = await mkdtemp('/tmp/epj-chaos-scenario-')));
    after(() => rm(dir, { recursive: true, force: true }));

    it(`heals every fault, takes the stack down and exits ${code} within 10 s`, async () => {
      const { child, result } = startCli(['run', await longFaultScenario(dir)]);
      let out = '';
      child.stdout!.on('data', (d) => (out += d));
      await pollUntil('three faults observed', async () => (out.match(/ observed /g) ?? []).length === 3, { timeoutMs: 60_000, intervalMs: 50 });
      const run = /\(run ([a-z0-9]+)\)/.exec(out)![1]!;
      expect((await runObjects(run)).containers).to.equal(7);

      const sent = Date.now();
      child.kill(signal);
      const r = await result;
      expect(Date.now() - sent).to.be.below(10_000);
      expect(r.code, r.stderr).to.equal(code);
      for (const id of ['wan-cut#', 'container-pause#', 'latency#']) expect(r.stdout, id).to.match(new RegExp(`fault ${id}\\d+ healed`));
      expect(await runObjects(run)).to.deep.equal(NOTHING);
    });
  });
}
