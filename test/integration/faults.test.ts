import { expect } from 'chai';
import Docker from 'dockerode';
import { FaultInjector } from '../../harness/faults/injector.js';
import { createFault } from '../../harness/faults/registry.js';
import { toxicNames } from '../../harness/faults/link/link-fault.js';
import { History } from '../../harness/history/history.js';
import type { RunContext } from '../../harness/run-context.js';
import { referenceStack } from '../../harness/stack/reference-stack.js';
import type { StartedStack } from '../../harness/stack/started-stack.js';
import { upStack } from '../../harness/stack/up.js';
import { pollUntil } from '../../harness/stack/wait/poll.js';
import { probe } from '../support/http-probe.js';

describe('fault library on the reference stack', function () {
  this.timeout(120_000);
  const docker = new Docker();
  let stack: StartedStack;
  let ctx: RunContext;
  let injector: FaultInjector;

  before(async () => {
    stack = await upStack(referenceStack());
  });
  beforeEach(async () => {
    ctx = { stack, history: new History() };
    injector = await FaultInjector.start(ctx);
  });
  afterEach(async () => {
    await injector.close();
    await stack.awaitHealthy(60_000);
  });
  after(async () => stack?.down());

  const health = (link: string) => `${stack.linkUrl(link)}/healthz`;
  const container = async (name: string) => docker.getContainer((await stack.containers()).find((c) => c.name === name)!.id).inspect();
  const stages = (faultId: string) => ctx.history.ofKind('fault').filter((e) => e.id === faultId).map((e) => e.stage);

  describe('container faults', () => {
    it('container-kill: SIGKILL, exit 137, the service is gone; heal starts it again', async () => {
      const f = await injector.inject({ kind: 'container-kill', target: { site: 'a', role: 'epj' } });
      const info = await container('a-epj');
      expect(info.State.Running).to.equal(false);
      expect(info.State.ExitCode).to.equal(137);
      expect((await probe(health('a-epj-admin'))).outcome).to.not.equal('200');
      expect(ctx.history.ofKind('fault').find((e) => e.stage === 'observed')!.detail).to.contain('a-epj exited 137');
      await f.heal(ctx);
      await f.heal(ctx); // idempotent
      expect((await container('a-epj')).State.Running).to.equal(true);
      await pollUntil('a-epj healthy', async () => (await probe(health('a-epj-admin'))).outcome === '200', { timeoutMs: 10_000 });
      expect(stages(f.id)).to.deep.equal(['applied', 'observed', 'healed']);
    });

    it('container-stop: graceful stop; heal starts it again', async () => {
      const f = await injector.inject({ kind: 'container-stop', target: { container: 'b-lookup' }, timeoutSeconds: 5 });
      const info = await container('b-lookup');
      expect(info.State.Running).to.equal(false);
      expect(info.State.ExitCode).to.not.equal(137); // it shut down on SIGTERM, it was not killed
      await f.heal(ctx);
      await pollUntil('b-lookup healthy', async () => (await probe(health('b-lookup-admin'))).outcome === '200', { timeoutMs: 10_000 });
    });

    it('container-pause: requests hang while frozen; heal thaws', async () => {
      const f = await injector.inject({ kind: 'container-pause', target: { container: 'b-epj' } });
      expect((await container('b-epj')).State.Paused).to.equal(true);
      const frozen = await probe(health('b-epj-admin'), 800);
      expect(frozen.outcome).to.equal('timeout');
      await f.heal(ctx);
      expect((await container('b-epj')).State.Paused).to.equal(false);
      expect((await probe(health('b-epj-admin'))).outcome).to.equal('200');
    });

    it('container-restart: the container runs again with a new start time', async () => {
      const before = (await container('a-epj')).State.StartedAt;
      await injector.inject({ kind: 'container-restart', target: { container: 'a-epj' }, timeoutSeconds: 2 });
      const after = await container('a-epj');
      expect(after.State.Running).to.equal(true);
      expect(after.State.StartedAt).to.not.equal(before);
    });

    it('container-disconnect: the container keeps running but is unreachable; heal reconnects it', async () => {
      const f = await injector.inject({ kind: 'container-disconnect', target: { container: 'b-lookup' } });
      const info = await container('b-lookup');
      expect(info.State.Running).to.equal(true);
      expect(Object.keys(info.NetworkSettings.Networks)).to.deep.equal([]);
      expect((await probe(health('b-lookup-admin'))).outcome).to.not.equal('200');
      await f.heal(ctx);
      await pollUntil('b-lookup reachable', async () => (await probe(health('b-lookup-admin'))).outcome === '200', { timeoutMs: 10_000 });
    });
  });

  describe('link faults (Toxiproxy)', () => {
    const front = () => `${stack.functionUrl('journal-lookup')}/metadata`;

    it('latency: adds the configured delay, within tolerance; gone after heal', async () => {
      const base = Math.min(...(await Promise.all([0, 1, 2].map(() => probe(front())))).map((p) => p.ms));
      const f = await injector.inject({ kind: 'latency', target: { links: ['epj-front'] }, latencyMs: 300, stream: 'downstream' });
      const slowed = await probe(front(), 3000);
      expect(slowed.outcome).to.equal('200');
      // Toxiproxy counts the delay from when it read each chunk, so on a reused connection the added time can be a little under
      expect(slowed.ms - base).to.be.within(250, 600);
      await f.heal(ctx);
      expect((await probe(front())).ms).to.be.below(base + 150);
    });

    it('blackhole: requests hang (timeout 0), unlike link-down; gone after heal', async () => {
      const f = await injector.inject({ kind: 'blackhole', target: { links: ['epj-front'] } });
      expect((await probe(front(), 1000)).outcome).to.equal('timeout');
      await f.heal(ctx);
      expect((await probe(front())).outcome).to.equal('200');
    });

    it('link-down: connections refused at once; gone after heal', async () => {
      const f = await injector.inject({ kind: 'link-down', target: { links: ['epj-front'] } });
      const refused = await probe(front(), 2000);
      expect(refused.outcome).to.not.equal('200').and.to.not.equal('timeout');
      expect(refused.ms).to.be.below(500);
      expect(ctx.history.ofKind('fault').find((e) => e.stage === 'observed')!.detail).to.contain('connection refused');
      await f.heal(ctx);
      expect((await probe(front())).outcome).to.equal('200');
    });

    it('reset-peer: connections are reset; gone after heal', async () => {
      const f = await injector.inject({ kind: 'reset-peer', target: { links: ['epj-front'] }, timeoutMs: 0 });
      const reset = await probe(front(), 2000);
      expect(reset.outcome).to.not.equal('200').and.to.not.equal('timeout');
      await f.heal(ctx);
      expect((await probe(front())).outcome).to.equal('200');
    });

    it('bandwidth: a response is throttled to the rate; gone after heal', async () => {
      const size = (await (await fetch(front())).arrayBuffer()).byteLength;
      const f = await injector.inject({ kind: 'bandwidth', target: { links: ['epj-front'] }, rateKBps: 2, stream: 'downstream' });
      const slow = await probe(front(), 10_000);
      expect(slow.outcome).to.equal('200');
      expect(slow.ms).to.be.above((size / 2048) * 1000 * 0.7);
      await f.heal(ctx);
      expect((await probe(front())).ms).to.be.below(500);
    });

    it('slicer: data arrives in small delayed slices; still correct', async () => {
      const f = await injector.inject({ kind: 'slicer', target: { links: ['epj-front'] }, averageSize: 64, delayMicros: 5000, stream: 'downstream' });
      const sliced = await probe(front(), 10_000);
      expect(sliced.outcome).to.equal('200');
      expect(sliced.ms).to.be.above(100);
      await f.heal(ctx);
    });

    it('limit-data: the connection is closed after N bytes', async () => {
      await injector.inject({ kind: 'limit-data', target: { links: ['epj-front'] }, bytes: 200, stream: 'downstream' });
      expect((await probe(front(), 3000)).outcome).to.not.equal('200');
    });

    it('heals only its own toxics: another fault on the same link stays', async () => {
      const a = await injector.inject({ kind: 'latency', target: { links: ['epj-front'] }, latencyMs: 10 });
      await injector.inject({ kind: 'latency', target: { links: ['epj-front'] }, latencyMs: 20 });
      await a.heal(ctx);
      const toxics = await toxicNames(ctx, 'epj-front');
      expect(toxics).to.have.length(2);
      expect(toxics.every((n) => !n.startsWith(`${a.id.replace('#', '-')}-`))).to.equal(true);
    });
  });

  describe('site faults', () => {
    it('core-switch: site A containers keep running but lose their network; heal restores it', async () => {
      await injector.inject({ kind: 'core-switch', site: 'a' });
      for (const name of ['a-db', 'a-epj']) {
        const info = await container(name);
        expect(info.State.Running, name).to.equal(true);
        expect(Object.keys(info.NetworkSettings.Networks), name).to.deep.equal([]);
      }
      expect((await probe(health('a-epj-admin'))).outcome).to.not.equal('200');
      expect((await probe(health('b-lookup-admin'))).outcome).to.equal('200'); // site B unaffected
    });

    it('client-partition: clinicians cannot reach site A while the sites still replicate', async () => {
      await injector.inject({ kind: 'client-partition', site: 'a', mode: 'down' });
      expect((await probe(`${stack.functionUrl('clinical-note')}/metadata`)).outcome).to.not.equal('200');
      expect((await probe(health('a-epj-admin'))).outcome).to.equal('200');
      expect((await probe(`${stack.functionUrl('read-only-lookup')}/metadata`)).outcome).to.equal('200');
    });

    it('never touches a bystander container or network named as the fault targets', async () => {
      // a container literally named a-db and a network named site-a: what a name-based harness would hit
      const bystanderNet = await docker.createNetwork({ Name: `site-a`, Driver: 'bridge', CheckDuplicate: true });
      const bystander = await docker.createContainer({ name: 'a-db', Image: 'epj-chaos/toxiproxy:2.12.0', HostConfig: { NetworkMode: bystanderNet.id } });
      try {
        await bystander.start();
        await injector.inject({ kind: 'container-kill', target: { container: 'a-db' } });
        await injector.inject({ kind: 'core-switch', site: 'a' });
        await injector.healAll();
        const info = await bystander.inspect();
        expect(info.State.Running).to.equal(true);
        expect(Object.values(info.NetworkSettings.Networks).map((n) => n.NetworkID)).to.deep.equal([bystanderNet.id]);
      } finally {
        await bystander.remove({ force: true });
        await bystanderNet.remove();
      }
    });
  });

  describe('bad input: refused before anything is injected', () => {
    it('an unknown fault kind', () => {
      expect(() => createFault({ kind: 'meteor-strike' })).to.throw(/unknown fault kind 'meteor-strike'/);
    });

    it('a target that matches nothing', async () => {
      let error: Error | undefined;
      try {
        await injector.inject({ kind: 'container-kill', target: { site: 'c' } });
      } catch (err) {
        error = err as Error;
      }
      expect(error?.message).to.contain('no container of stack');
      expect(ctx.history.ofKind('fault')).to.deep.equal([]);
      expect((await stack.containers()).every((c) => c.state === 'running')).to.equal(true);
    });

    it('a negative duration', () => {
      expect(() => createFault({ kind: 'latency', target: { links: ['epj-front'] }, latencyMs: -5 })).to.throw(/latencyMs/);
      expect(() => createFault({ kind: 'site-power', site: 'a', upsRuntimeMs: -1, mainsRestoredAfterMs: 10 })).to.throw(/upsRuntimeMs/);
    });
  });
});
