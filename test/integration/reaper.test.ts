import { expect } from 'chai';
import { pollUntil } from '../../harness/stack/wait/poll.js';
import { runObjects } from '../support/docker-objects.js';
import { SigkillTarget, type Stage } from '../support/sigkill-target.js';

/**
 * The immediate reaper (docs/reaper.md): a run whose process dies by SIGKILL is removed — containers, networks,
 * volumes, the toxics inside its Toxiproxy, its load generator and the reaper itself — with no later command.
 * The goal is 15 s; the test waits up to 60 s (the machine may be shared) and prints each removal time.
 */
describe('immediate reaper: a run killed with SIGKILL is gone without any later command', function () {
  this.timeout(150_000);
  const targets: SigkillTarget[] = [];

  afterEach(() => {
    for (const t of targets.splice(0)) if (t.child.exitCode === null && t.child.signalCode === null) t.child.kill('SIGKILL');
  });

  const instants: { name: string; stage: Stage; killAt: (t: SigkillTarget) => Promise<void> }[] = [
    {
      name: 'during up',
      stage: 'up',
      // the stack half there: some containers started, others not yet
      killAt: async (t) => {
        await t.reached('up');
        await pollUntil('the run to have containers', async () => (await runObjects(t.run!)).containers >= 2, { timeoutMs: 60_000, intervalMs: 20 });
      },
    },
    {
      name: 'during a fault (WAN cut, under load)',
      stage: 'fault',
      killAt: async (t) => {
        await t.reached('fault');
        await new Promise((r) => setTimeout(r, 500));
      },
    },
    {
      name: 'during a failover (under load and the fault)',
      stage: 'failover',
      killAt: async (t) => {
        await t.reached('failover');
        await new Promise((r) => setTimeout(r, 150));
      },
    },
  ];

  for (const instant of instants) {
    it(`removes everything of a run killed ${instant.name}`, async () => {
      const target = new SigkillTarget();
      targets.push(target);
      await instant.killAt(target);
      const removal = await target.killAndMeasure(60_000);
      console.log(
        `      run ${removal.run} killed at '${removal.stage}': everything gone ${(removal.removalMs / 1000).toFixed(1)} s after SIGKILL (goal ≤ 15 s)` +
          (removal.loadProcesses ? `; its epj-load exited after ${(removal.loadExitMs / 1000).toFixed(1)} s` : ''),
      );
      expect(removal.stage).to.equal(instant.stage);
      // under load the kill must have left an epj-load running, or its end proves nothing
      if (instant.stage !== 'up') expect(removal.loadProcesses).to.equal(1);
    });
  }
});
