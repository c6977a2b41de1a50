import { expect } from 'chai';
import { FhirClient, FhirError } from '../../../harness/fhir/client.js';
import { syntheticPatient } from '../../../harness/fhir/resources.js';
import { startFakeFhirServer, type FakeAnswer, type FakeFhirServer } from '../workload/fake-fhir-server.js';

describe('fhir: the client’s create on any FHIR R4 server', () => {
  let server: FakeFhirServer | undefined;
  afterEach(async () => {
    await server?.close();
    server = undefined;
  });

  const created = async (answer: FakeAnswer) => {
    await server?.close();
    server = await startFakeFhirServer(() => answer);
    return new FhirClient(`${server.origin}/fhir`).create(syntheticPatient('0100701234'));
  };

  it('takes what 201 returns: the resource, nothing (return=minimal), or an OperationOutcome', async () => {
    const withBody = await created({ status: 201, body: { ...syntheticPatient('0100701234'), id: 'p1', meta: { versionId: '1' } } });
    expect(withBody.id).to.equal('p1');
    const minimal = await created({ status: 201, headers: { location: 'http://hapi.internal:8080/fhir/Patient/9/_history/1', etag: 'W/"1"' } });
    expect(minimal).to.include({ resourceType: 'Patient', id: '9' });
    expect(minimal.meta).to.deep.equal({ versionId: '1' });
    const outcome = await created({ status: 201, headers: { location: 'Patient/10/_history/1' }, body: { resourceType: 'OperationOutcome', issue: [] } });
    expect(outcome).to.include({ resourceType: 'Patient', id: '10' });
  });

  it('takes 200 from a conditional create that matched', async () => {
    expect((await created({ status: 200, body: { resourceType: 'Patient', id: 'old' } })).id).to.equal('old');
  });

  it('refuses a 2xx that names no resource, and any error', async () => {
    for (const answer of [{ status: 201 }, { status: 412, body: { resourceType: 'OperationOutcome', issue: [{ diagnostics: 'multiple matches' }] } }]) {
      try {
        await created(answer);
        expect.fail('no FhirError');
      } catch (err) {
        expect(err).to.be.instanceOf(FhirError);
      }
    }
  });
});
