import { expect } from 'chai';
import { FhirClient } from '../../harness/fhir/client.js';
import { clinicalNote, syntheticPatient, WRITE_ID_SYSTEM } from '../../harness/fhir/resources.js';
import { referenceStack } from '../../harness/stack/reference-stack.js';
import type { StartedStack } from '../../harness/stack/started-stack.js';
import { upStack } from '../../harness/stack/up.js';
import { queryOnce } from '../../harness/stack/wait/for-postgres.js';

describe('replication mode remote_apply', function () {
  this.timeout(120_000);
  let stack: StartedStack;

  before(async () => {
    stack = await upStack(referenceStack({ replication: 'remote_apply' }));
  });
  after(async () => stack?.down());

  it('configures a-db with b-db as synchronous standby', async () => {
    const rows = await queryOnce<{ sync_state: string }>(stack.linkPort('a-db-admin'), 'postgres', "SELECT sync_state FROM pg_stat_replication WHERE application_name = 'b_db'");
    expect(rows[0]?.sync_state).to.equal('sync');
    const [setting] = await queryOnce<{ synchronous_commit: string }>(stack.linkPort('a-db-admin'), 'postgres', 'SHOW synchronous_commit');
    expect(setting?.synchronous_commit).to.equal('remote_apply');
  });

  it('makes every acknowledged write visible at site B before the 201 returns', async () => {
    const siteA = new FhirClient(stack.functionUrl('clinical-note'));
    const lookupB = new FhirClient(stack.functionUrl('read-only-lookup'));
    const patient = await siteA.create(syntheticPatient());
    for (let i = 0; i < 20; i++) {
      const note = await siteA.create(clinicalNote(patient.id, `synkron ${i}`));
      const writeId = (note.identifier as { value: string }[])[0]!.value;
      // no waiting, no retry: read at B right after A acknowledged
      const atB = await lookupB.search('DocumentReference', { identifier: `${WRITE_ID_SYSTEM}|${writeId}` });
      expect(atB.map((r) => r.id), `write ${i}`).to.deep.equal([note.id]);
    }
  });
});
