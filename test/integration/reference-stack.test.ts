import { expect } from 'chai';
import Docker from 'dockerode';
import { FhirClient } from '../../harness/fhir/client.js';
import { clinicalNote, syntheticPatient, WRITE_ID_SYSTEM } from '../../harness/fhir/resources.js';
import { LABEL } from '../../harness/docker/labels.js';
import { referenceStack } from '../../harness/stack/reference-stack.js';
import type { StartedStack } from '../../harness/stack/started-stack.js';
import { upStack } from '../../harness/stack/up.js';
import { pollUntil } from '../../harness/stack/wait/poll.js';
import { queryOnce } from '../../harness/stack/wait/for-postgres.js';
import { NOTHING, runObjects } from '../support/docker-objects.js';

describe('reference two-site stack (async replication)', function () {
  this.timeout(180_000);
  const docker = new Docker();
  let stack: StartedStack;
  let siteA: FhirClient;
  let lookupB: FhirClient;
  let patientId: string;

  before(async () => {
    stack = await upStack(referenceStack());
    siteA = new FhirClient(stack.functionUrl('clinical-note'));
    lookupB = new FhirClient(stack.functionUrl('read-only-lookup'));
    patientId = (await siteA.create(syntheticPatient())).id;
  });

  after(async () => {
    if (!stack) return;
    await stack.down();
    expect(await runObjects(stack.runId)).to.deep.equal(NOTHING);
  });

  it('runs every container of both sites, labelled with run, site and role', async () => {
    const containers = await stack.containers();
    expect(containers.map((c) => `${c.name}@${c.site}:${c.state}`)).to.have.members([
      'a-db@a:running',
      'a-epj@a:running',
      'a-integrations@a:running',
      'b-db@b:running',
      'b-epj@b:running',
      'b-lookup@b:running',
      'toxiproxy@harness:running',
    ]);
    const inspected = await docker.getContainer(containers.find((c) => c.name === 'b-db')!.id).inspect();
    expect(inspected.Config.Labels).to.include({ [LABEL.run]: stack.runId, [LABEL.role]: 'db-replica', [LABEL.site]: 'b' });
  });

  it('replicates from a-db to b-db through the Toxiproxy replication link', async () => {
    const rows = await queryOnce<{ state: string; client_addr: string }>(
      stack.linkPort('a-db-admin'),
      'postgres',
      "SELECT state, host(client_addr) AS client_addr FROM pg_stat_replication WHERE application_name = 'b_db'",
    );
    expect(rows).to.have.length(1);
    expect(rows[0]!.state).to.equal('streaming');
    // the replica's connection arrives from the Toxiproxy container, not straight from b-db
    const proxy = (await stack.containers()).find((c) => c.name === 'toxiproxy')!;
    const nets = (await docker.getContainer(proxy.id).inspect()).NetworkSettings.Networks;
    expect(Object.values(nets).map((n) => n.IPAddress)).to.include(rows[0]!.client_addr);
  });

  it('serves a note written through site A from Opslags-EPJ at site B once replicated', async () => {
    const note = await siteA.create(clinicalNote(patientId, 'Syntetisk notat: kontrol om 3 mdr.'));
    const writeId = (note.identifier as { value: string }[])[0]!.value;
    let found: unknown[] = [];
    await pollUntil(
      'note at site B',
      async () => (found = await lookupB.search('DocumentReference', { identifier: `${WRITE_ID_SYSTEM}|${writeId}` })).length > 0,
      { timeoutMs: 10_000, intervalMs: 20 },
    );
    expect(found).to.have.length(1);
    expect((found[0] as { id: string }).id).to.equal(note.id);
  });

  it('refuses writes at Opslags-EPJ with an OperationOutcome', async () => {
    const res = await lookupB.request('POST', 'DocumentReference', clinicalNote(patientId, 'skal afvises'));
    expect(res.status).to.equal(405);
    expect(res.body).to.have.property('resourceType', 'OperationOutcome');
    expect(JSON.stringify(res.body)).to.match(/read-only/i);
  });

  it('keeps every acknowledged write when a-db is hard-killed and started again', async () => {
    const acknowledged: string[] = [];
    for (let i = 0; i < 40; i++) acknowledged.push((await siteA.create(clinicalNote(patientId, `notat ${i}`))).id);

    const aDb = docker.getContainer((await stack.containers()).find((c) => c.name === 'a-db')!.id);
    await aDb.kill({ signal: 'SIGKILL' });
    const killed = await aDb.inspect();
    expect(killed.State.Running).to.equal(false);
    expect(killed.State.ExitCode).to.equal(137);
    await aDb.start();

    // the EPJ reconnects by itself once the database is back
    await pollUntil('a-epj healthy again', async () => (await fetch(`${stack.linkUrl('a-epj-admin')}/healthz`)).status === 200, {
      timeoutMs: 30_000,
    });
    const found = await siteA.search('DocumentReference', { patient: patientId, _count: '1000' });
    const ids = new Set(found.map((r) => r.id));
    expect(acknowledged.filter((id) => !ids.has(id))).to.deep.equal([]);
  });
});
