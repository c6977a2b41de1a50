import { expect } from 'chai';
import { failback, failover, startLookup, stopLookup } from '../../harness/actions/index.js';
import { LABEL, labelFilter } from '../../harness/docker/labels.js';
import { runOneOff } from '../../harness/docker/one-off.js';
import { HarnessError } from '../../harness/errors.js';
import { IMAGES } from '../../harness/images/catalog.js';
import { InvalidInputError } from '../../harness/errors.js';
import { FhirClient, type Resource } from '../../harness/fhir/client.js';
import { createFault } from '../../harness/faults/registry.js';
import { FaultInjector } from '../../harness/faults/injector.js';
import { clinicalNote, syntheticPatient, WRITE_ID_SYSTEM } from '../../harness/fhir/resources.js';
import type { ActionEvent } from '../../harness/history/events.js';
import { History } from '../../harness/history/history.js';
import type { RunContext } from '../../harness/run-context.js';
import { referenceStack } from '../../harness/stack/reference-stack.js';
import { parseStackDefinition } from '../../harness/stack/definition.js';
import { runbookAction } from '../../harness/runbooks/run-runbook.js';
import type { StartedStack } from '../../harness/stack/started-stack.js';
import { upStack } from '../../harness/stack/up.js';
import { queryOnce } from '../../harness/stack/wait/for-postgres.js';
import { pollUntil } from '../../harness/stack/wait/poll.js';
import { NOTHING, runObjects } from '../support/docker-objects.js';

const writeIdOf = (r: Resource) => (r.identifier as { value: string }[])[0]!.value;

async function byWriteId(fhir: FhirClient, writeId: string): Promise<Resource[]> {
  return fhir.search('DocumentReference', { identifier: `${WRITE_ID_SYSTEM}|${writeId}` });
}

async function awaitAt(fhir: FhirClient, writeId: string, what: string): Promise<void> {
  await pollUntil(what, async () => (await byWriteId(fhir, writeId)).length === 1, { timeoutMs: 15_000, intervalMs: 50 });
}

async function recovering(stack: StartedStack, link: string): Promise<boolean> {
  const [r] = await queryOnce<{ r: boolean }>(stack.linkPort(link), 'postgres', 'SELECT pg_is_in_recovery() AS r');
  return r!.r;
}

async function streaming(stack: StartedStack, primaryLink: string): Promise<string[]> {
  const rows = await queryOnce<{ a: string }>(stack.linkPort(primaryLink), 'postgres', "SELECT application_name AS a FROM pg_stat_replication WHERE state = 'streaming'");
  return rows.map((r) => r.a);
}

function actionEvents(history: History, action: string): ActionEvent[] {
  return history.ofKind('action').filter((e) => e.action === action);
}

/** Wall duration of the last completed run of `action`, printed for the record. */
function took(history: History, action: string): number {
  const ev = actionEvents(history, action);
  const done = ev.filter((e) => e.stage === 'completed').at(-1)!;
  const start = ev.filter((e) => e.stage === 'started' && e.id === done.id)[0]!;
  console.log(`      ${action}: ${done.t - start.t} ms — ${done.detail}`);
  return done.t - start.t;
}

async function stackUp(): Promise<{ stack: StartedStack; ctx: RunContext; history: History }> {
  const stack = await upStack(referenceStack());
  const history = new History();
  return { stack, history, ctx: { stack, history } };
}

async function tearDown(stack: StartedStack | undefined) {
  if (!stack) return;
  await stack.down();
  expect(await runObjects(stack.runId)).to.deep.equal(NOTHING);
}

describe('operator actions: site A database hard-killed', function () {
  this.timeout(240_000);
  let stack: StartedStack;
  let ctx: RunContext;
  let history: History;
  let front: FhirClient;
  let patientId: string;
  const atA: string[] = [];

  before(async () => {
    ({ stack, ctx, history } = await stackUp());
    front = new FhirClient(stack.functionUrl('clinical-note'));
    patientId = (await front.create(syntheticPatient())).id;
    for (let i = 0; i < 5; i++) atA.push(writeIdOf(await front.create(clinicalNote(patientId, `før nedbrud ${i}`))));
    await awaitAt(new FhirClient(stack.functionUrl('read-only-lookup')), atA.at(-1)!, 'last note at B');
  });
  after(() => tearDown(stack));

  it('runs a labelled one-off container to completion, and removes it even when it times out', async () => {
    const oneOffs = async () =>
      stack.docker.listContainers({ all: true, filters: { label: [...labelFilter(stack.runId).label, `${LABEL.role}=one-off`] } });
    const ok = await runOneOff(stack.docker, { run: stack.runId, image: IMAGES.postgres, purpose: 'echo', entrypoint: ['sh', '-c', 'echo hello; exit 3'] });
    expect(ok.exitCode).to.equal(3);
    expect(ok.logs).to.equal('hello');
    let error: unknown;
    await runOneOff(stack.docker, { run: stack.runId, image: IMAGES.postgres, purpose: 'sleeper', entrypoint: ['sleep', '60'], timeoutMs: 500 }).catch(
      (e: unknown) => (error = e),
    );
    expect(error).to.be.instanceOf(HarnessError);
    expect((error as HarnessError).code).to.equal('one-off-timeout');
    expect(await oneOffs()).to.deep.equal([]);
  });

  it('stops Opslags-EPJ (no answer) and starts it again (/healthz 200)', async () => {
    const health = `${stack.linkUrl('b-lookup-admin')}/healthz`;
    await stopLookup().run(ctx);
    const state = (await stack.containers()).find((c) => c.name === 'b-lookup')!.state;
    expect(state).to.equal('exited');
    let error: unknown;
    await fetch(health, { signal: AbortSignal.timeout(2000) }).catch((e: unknown) => (error = e));
    expect(error, 'GET /healthz must get no HTTP answer').to.be.instanceOf(Error);

    await startLookup().run(ctx);
    expect((await fetch(health)).status).to.equal(200);
    const lookup = new FhirClient(stack.functionUrl('read-only-lookup'));
    expect(await byWriteId(lookup, atA[0]!)).to.have.length(1);
    expect(history.ofKind('action').map((e) => `${e.action}:${e.stage}`)).to.deep.equal([
      'stop-lookup:started',
      'stop-lookup:completed',
      'start-lookup:started',
      'start-lookup:completed',
    ]);
  });

  it('a runbook step whose URL does not answer HTTP fails naming the step, and changes nothing', async () => {
    // a vendor's runbook that calls an admin API where none answers: the database's admin link speaks PostgreSQL
    const def = parseStackDefinition({
      ...(referenceStack() as object),
      runbooks: { 'vendor-switch': { steps: [{ name: 'ask the vendor API to switch', http: { method: 'POST', link: 'a-db-admin', path: '/api/switch', body: { to: 'b' } }, timeoutMs: 2000 }] } },
    });
    const vendorCtx: RunContext = { ...ctx, stack: Object.create(stack, { definition: { value: def } }) as StartedStack };
    let error: unknown;
    await runbookAction('vendor-switch').run(vendorCtx).catch((e: unknown) => (error = e));
    expect(error).to.be.instanceOf(HarnessError);
    expect((error as Error).message).to.match(/^runbook 'vendor-switch' step 1 'ask the vendor API to switch' failed: POST \/api\/switch on a-db-admin: /);
    expect(actionEvents(history, 'vendor-switch').map((e) => e.stage)).to.deep.equal(['started', 'failed']);
    expect(await recovering(stack, 'b-db-admin')).to.equal(true);
  });

  it('fails over to B after a-db is SIGKILLed: B accepts writes through the EPJ front door', async () => {
    const [aDb] = await stack.docker.listContainers({ all: true, filters: { label: [...labelFilter(stack.runId).label, `${LABEL.component}=a-db`] } });
    const c = stack.docker.getContainer(aDb!.Id);
    await c.kill({ signal: 'SIGKILL' });
    expect((await c.inspect()).State.ExitCode).to.equal(137);

    await failover().run(ctx);
    const ev = actionEvents(history, 'failover');
    expect(ev.map((e) => e.stage)).to.deep.equal(['started', 'completed']);
    // the runbook's proof (fixtures/stacks/reference.json): each step, in order, with the instant it was seen done
    expect(ev[1]!.detail).to.match(/b-db promoted \(pg_is_in_recovery=false\) \(SQL on b-db-admin\) at .*epj-front → b-epj:8080\) at .*a write through the EPJ front door at site B \(POST Patient/);
    expect(ev[1]!.detail).to.match(/"receive_lsn":"[0-9A-F]+\/[0-9A-F]+","replay_lsn":"[0-9A-F]+\/[0-9A-F]+"/);
    expect(ev[1]!.effects?.map((e) => e.kind)).to.deep.equal(['promoted', 'repointed']);
    took(history, 'failover');

    expect(await recovering(stack, 'b-db-admin')).to.equal(false);
    const note = await front.create(clinicalNote(patientId, 'efter failover'));
    expect(await byWriteId(new FhirClient(stack.linkUrl('b-epj-admin')), writeIdOf(note))).to.have.length(1);
    // everything A had replicated before it died is there
    for (const w of atA) expect(await byWriteId(front, w), w).to.have.length(1);
  });

  it('refuses a second failover (b-db is no replica any more) and records it as failed', async () => {
    let error: unknown;
    await failover().run(ctx).catch((e: unknown) => (error = e));
    expect(error).to.be.instanceOf(InvalidInputError);
    expect((error as Error).message).to.match(/b-db is not a replica/);
    const last = actionEvents(history, 'failover').slice(-2);
    expect(last.map((e) => e.stage)).to.deep.equal(['started', 'failed']);
    expect(last[1]!.detail).to.match(/already been promoted/);
    // and nothing was changed: the front door still writes at B
    expect((await front.request('POST', 'Patient', syntheticPatient())).status).to.equal(201);
  });

  it('fails back to A from a killed a-db (crash recovery, then rewind)', async () => {
    await failback().run(ctx);
    took(history, 'failback');
    expect(await recovering(stack, 'a-db-admin')).to.equal(false);
    expect(await recovering(stack, 'b-db-admin')).to.equal(true);
    expect(await streaming(stack, 'a-db-admin')).to.deep.equal(['b_db']);
    for (const w of atA) expect(await byWriteId(front, w), w).to.have.length(1);
  });
});

describe('operator actions: failover after a WAN cut, then failback', function () {
  this.timeout(300_000);
  let stack: StartedStack;
  let ctx: RunContext;
  let history: History;
  let front: FhirClient;
  let patientId: string;
  const onlyAtA: string[] = [];
  const ackedByB: string[] = [];

  before(async () => {
    ({ stack, ctx, history } = await stackUp());
    front = new FhirClient(stack.functionUrl('clinical-note'));
    patientId = (await front.create(syntheticPatient())).id;
    await awaitAt(new FhirClient(stack.functionUrl('read-only-lookup')), writeIdOf(await front.create(clinicalNote(patientId, 'før'))), 'note at B');
  });
  after(() => tearDown(stack));

  it('fails over to B; notes A acknowledged after the cut are absent at B (asynchronous loss)', async () => {
    const replication = await stack.toxiproxy().get('b-replication');
    const toxics = await Promise.all(
      (['upstream', 'downstream'] as const).map((stream) =>
        replication.addToxic({ name: `wan-cut-${stream}`, type: 'timeout', stream, toxicity: 1, attributes: { timeout: 0 } }),
      ),
    );
    try {
      for (let i = 0; i < 5; i++) onlyAtA.push(writeIdOf(await front.create(clinicalNote(patientId, `kun på A ${i}`))));
      await failover().run(ctx);
    } finally {
      for (const t of toxics) await t.remove();
    }
    took(history, 'failover');
    expect(actionEvents(history, 'failover').map((e) => e.stage)).to.deep.equal(['started', 'completed']);

    for (let i = 0; i < 10; i++) ackedByB.push(writeIdOf(await front.create(clinicalNote(patientId, `på B ${i}`))));
    const bEpj = new FhirClient(stack.linkUrl('b-epj-admin'));
    for (const w of ackedByB) expect(await byWriteId(bEpj, w), w).to.have.length(1);
    for (const w of onlyAtA) expect(await byWriteId(front, w), `${w} must not be at B`).to.deep.equal([]);
  });

  it('fails back: A is primary, B streams from A, and every write B acknowledged is at A', async () => {
    await failback().run(ctx);
    took(history, 'failback');
    expect(actionEvents(history, 'failback').map((e) => e.stage)).to.deep.equal(['started', 'completed']);

    expect(await recovering(stack, 'a-db-admin')).to.equal(false);
    expect(await recovering(stack, 'b-db-admin')).to.equal(true);
    expect(await streaming(stack, 'a-db-admin')).to.deep.equal(['b_db']);

    const aEpj = new FhirClient(stack.linkUrl('a-epj-admin'));
    for (const w of ackedByB) expect(await byWriteId(aEpj, w), `${w} (acknowledged by B)`).to.have.length(1);

    const res = await front.request('POST', 'DocumentReference', clinicalNote(patientId, 'tilbage på A'));
    expect(res.status).to.equal(201);
    const w = writeIdOf(res.body!);
    expect(await byWriteId(aEpj, w)).to.have.length(1);
    await awaitAt(new FhirClient(stack.functionUrl('read-only-lookup')), w, 'note at Opslags-EPJ (B)');
  });

  it('a container fault prepared before a rolling upgrade pauses the new container, not the one it replaced', async () => {
    const lookup = stack.definition.containers.find((c) => c.role === 'lookup')!.name;
    const idOf = async () => (await stack.containers()).find((c) => c.name === lookup)!;
    const pause = createFault({ kind: 'container-pause', target: { role: 'lookup' } });
    await pause.prepare(ctx); // as a timeline does before its first step
    const before = (await idOf()).id;
    await runbookAction('upgrade-site-b').run(ctx); // the default candidate is the current release
    const replaced = await idOf();
    expect(replaced.id, 'a new container').to.not.equal(before);
    const injector = new FaultInjector(ctx);
    injector.track(pause); // as a timeline does: it injects what it prepared, without preparing again
    try {
      await pause.inject(ctx);
      expect((await idOf()).state).to.equal('paused');
    } finally {
      await injector.close();
    }
    expect((await idOf()).state).to.equal('running');
  });
});
