import { expect } from 'chai';
import Docker from 'dockerode';
import { FaultInjector } from '../../harness/faults/injector.js';
import { SitePower } from '../../harness/faults/composite/site-power.js';
import { Clock } from '../../harness/history/clock.js';
import { History } from '../../harness/history/history.js';
import type { RunContext } from '../../harness/run-context.js';
import { referenceStack } from '../../harness/stack/reference-stack.js';
import type { StartedStack } from '../../harness/stack/started-stack.js';
import { upStack } from '../../harness/stack/up.js';
import { FhirClient } from '../../harness/fhir/client.js';
import { clinicalNote, syntheticPatient, WRITE_ID_SYSTEM } from '../../harness/fhir/resources.js';
import { queryOnce } from '../../harness/stack/wait/for-postgres.js';
import { pollUntil, sleep } from '../../harness/stack/wait/poll.js';

const MIN = 60_000;
const HOUR = 60 * MIN;

describe('site power and partitions (time-scaled)', function () {
  this.timeout(180_000);
  const docker = new Docker();
  let stack: StartedStack;
  let ctx: RunContext;
  let injector: FaultInjector;

  before(async () => {
    stack = await upStack(referenceStack());
  });
  // 1 scenario hour = 2 wall seconds
  beforeEach(async () => {
    ctx = { stack, history: new History(new Clock(1800)) };
    injector = await FaultInjector.start(ctx);
  });
  afterEach(async () => {
    await injector.close();
    await stack.awaitHealthy(60_000);
  });
  after(async () => stack?.down());

  const inspectAll = async () =>
    Object.fromEntries(await Promise.all((await stack.containers()).map(async (c) => [c.name, await docker.getContainer(c.id).inspect()] as const)));

  it('failing generator, UPS shorter than the outage: all of site A dies at once, none of B; boots in order; a component that does not return stays down', async () => {
    const fault = new SitePower({
      site: 'a',
      generator: { starts: false },
      upsRuntimeMs: 27 * MIN,
      mainsRestoredAfterMs: 31 * MIN,
      boot: [
        { component: 'core-switch', afterMs: 120 * MIN },
        // a-db boots 60 min after power returns (2 s of wall time): long enough to see site A dead first, even on a
        // loaded machine where the inject's own proof and this test's inspection take a second
        { component: 'a-db', afterMs: 60 * MIN },
        { component: 'a-epj', afterMs: 70 * MIN, returns: false },
      ],
    });
    const before = await inspectAll();
    const injected = Date.now();
    await injector.inject(fault);
    // applied when the UPS drained: 27 scenario minutes = 0.9 s of wall time after the mains failed
    expect(fault.appliedAt! - injected).to.be.within(800, 1500);
    const dead = await inspectAll();
    const aDeaths = ['a-db', 'a-epj'].map((n) => Date.parse(dead[n]!.State.FinishedAt));
    for (const n of ['a-db', 'a-epj']) {
      expect(dead[n]!.State.Running, n).to.equal(false);
      expect(dead[n]!.State.ExitCode, n).to.equal(137);
    }
    expect(Math.max(...aDeaths) - Math.min(...aDeaths)).to.be.below(250); // the same instant, as a power cut
    for (const n of ['b-db', 'b-epj', 'b-lookup', 'toxiproxy']) {
      expect(dead[n]!.State.Running, n).to.equal(true);
      expect(dead[n]!.State.StartedAt, n).to.equal(before[n]!.State.StartedAt);
    }

    await fault.settled(); // power back after 31 min, switch after 31 + 120 min ≈ 5 s
    const after = await inspectAll();
    const notes = ctx.history.ofKind('note').map((n) => n.message);
    expect(notes.filter((m) => / up$| does not come back$/.test(m))).to.deep.equal([
      'site a: a-integrations up', // not listed: boots as soon as power is back
      'site a: a-db up',
      'site a: a-epj does not come back',
      'site a: core-switch up',
    ]);
    expect(after['a-db']!.State.Running).to.equal(true);
    expect(after['a-epj']!.State.Running).to.equal(false); // declared not to return
    // a-db booted before its switch: it had no network until the switch came up
    const switchUp = ctx.history.ofKind('note').find((n) => n.message === 'site a: core-switch up')!.t;
    expect(Date.parse(after['a-db']!.State.StartedAt)).to.be.below(switchUp);
    expect(Object.keys(after['a-db']!.NetworkSettings.Networks)).to.have.length(1);

    const observed = ctx.history.ofKind('fault').find((e) => e.stage === 'observed')!;
    expect(observed.detail).to.match(/deaths within \d+ ms, recorded by the engine -?\d+ ms after the power was cut; other sites: 3\/3 running/);
  });

  it('UPS longer than the outage: nothing dies', async () => {
    const fault = new SitePower({ site: 'a', generator: { starts: false }, upsRuntimeMs: 40 * MIN, mainsRestoredAfterMs: 31 * MIN });
    const before = await inspectAll();
    await injector.inject(fault);
    await sleep(1500);
    const after = await inspectAll();
    for (const n of Object.keys(before)) expect(after[n]!.State.StartedAt, n).to.equal(before[n]!.State.StartedAt);
    expect(ctx.history.ofKind('fault').find((e) => e.stage === 'applied')!.detail).to.contain('no outage');
  });

  it('a generator that starts before the UPS drains: nothing dies', async () => {
    const fault = new SitePower({ site: 'b', generator: { starts: true, startAfterMs: 1 * MIN }, upsRuntimeMs: 10 * MIN, mainsRestoredAfterMs: 3 * HOUR });
    await injector.inject(fault);
    expect((await stack.containers()).every((c) => c.state === 'running')).to.equal(true);
  });

  it('WAN cut: replication stops and the gap grows; after heal it resumes with no divergence', async () => {
    const siteA = new FhirClient(stack.functionUrl('clinical-note'));
    const lookupB = new FhirClient(stack.functionUrl('read-only-lookup'));
    const patient = await siteA.create(syntheticPatient());
    await injector.inject({ kind: 'wan-cut' });

    const written: string[] = [];
    for (let i = 0; i < 10; i++) {
      const note = await siteA.create(clinicalNote(patient.id, `under WAN cut ${i}`));
      written.push((note.identifier as { value: string }[])[0]!.value);
    }
    await sleep(500);
    const atB = await lookupB.search('DocumentReference', { identifier: written.map((w) => `${WRITE_ID_SYSTEM}|${w}`).join(','), _count: '100' });
    expect(atB).to.have.length(0); // nothing crossed the cut
    const [gap] = await queryOnce<{ bytes: string }>(
      stack.linkPort('a-db-admin'),
      'postgres',
      "SELECT pg_wal_lsn_diff(pg_current_wal_lsn(), restart_lsn)::bigint AS bytes FROM pg_replication_slots WHERE slot_name = 'b_db'",
    );
    expect(Number(gap!.bytes)).to.be.above(0);

    await injector.healAll();
    await pollUntil(
      'B to catch up',
      async () => (await lookupB.search('DocumentReference', { identifier: written.map((w) => `${WRITE_ID_SYSTEM}|${w}`).join(','), _count: '100' })).length === written.length,
      { timeoutMs: 30_000, intervalMs: 200 },
    );
    // no divergence: both databases hold exactly the same rows
    const digest = async (link: string) =>
      (await queryOnce<{ d: string }>(stack.linkPort(link), 'postgres', "SELECT count(*) || ':' || md5(string_agg(type || '/' || id || '/' || version, ',' ORDER BY type, id)) AS d FROM resource", [], 'epj'))[0]!.d;
    await pollUntil('identical digests', async () => (await digest('a-db-admin')) === (await digest('b-db-admin')), { timeoutMs: 10_000 });
  });

  it('both sites down: every container of both sites dies; each site comes back on its own time', async () => {
    const fault = await injector.inject({ kind: 'both-sites-down', sites: [{ site: 'a', restoredAfterMs: 30 * MIN }, { site: 'b', restoredAfterMs: 2 * HOUR }] });
    const dead = await inspectAll();
    for (const n of ['a-db', 'a-epj', 'b-db', 'b-epj', 'b-lookup']) expect(dead[n]!.State.Running, n).to.equal(false);
    expect(dead['toxiproxy']!.State.Running).to.equal(true); // harness equipment keeps its power
    await pollUntil('site a back', async () => (await inspectAll())['a-db']!.State.Running, { timeoutMs: 10_000, intervalMs: 50 });
    expect((await inspectAll())['b-db']!.State.Running).to.equal(false); // B is still dark at 30 min
    const parts = (fault as unknown as { parts: SitePower[] }).parts;
    await Promise.all(parts.map((p) => p.settled()));
    const after = await inspectAll();
    expect(Date.parse(after['b-db']!.State.StartedAt) - Date.parse(after['a-db']!.State.StartedAt)).to.be.within(2500, 4500); // 90 min apart at 1800×
  });

  it('site isolation cuts every link of the site but not the harness\'s own access', async () => {
    await injector.inject({ kind: 'site-isolation', site: 'b', mode: 'down' });
    const toxiproxy = stack.toxiproxy();
    const disabled = Object.values(await toxiproxy.getAll()).filter((p) => !p.enabled).map((p) => p.name).sort();
    const expected = ['b-epj-db', 'b-epj-integrations', 'b-lookup-db', 'b-replication', 'lookup-front'];
    if (stack.definition.links.some((l) => l.name === 'a-replication')) expected.push('a-replication'); // failback's link, A → b-db
    expect(disabled).to.deep.equal(expected.sort());
    expect((await queryOnce<{ ok: number }>(stack.linkPort('b-db-admin'), 'postgres', 'SELECT 1 AS ok'))[0]!.ok).to.equal(1);
  });

  it('asymmetric partition: only one direction of the WAN is cut', async () => {
    await injector.inject({ kind: 'asymmetric-partition', direction: 'downstream' });
    const res = await fetch(`${stack.toxiproxyApi}/proxies/b-replication/toxics`);
    const toxics = (await res.json()) as { stream: string; type: string }[];
    expect(toxics.map((t) => `${t.type}/${t.stream}`)).to.deep.equal(['timeout/downstream']);
  });
});
