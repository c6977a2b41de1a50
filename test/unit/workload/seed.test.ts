import { expect } from 'chai';
import { seedPatients, transactionIds } from '../../../harness/workload/seed.js';
import { startFakeFhirServer, type FakeFhirServer } from './fake-fhir-server.js';

type SentBundle = { type: string; entry: { fullUrl: string; resource: { resourceType: string }; request: { method: string; url: string } }[] };

describe('workload: seeding through a transaction on any FHIR R4 server', () => {
  let server: FakeFhirServer | undefined;
  afterEach(async () => {
    await server?.close();
    server = undefined;
  });

  /** Answers a transaction the way `style` says a server may (http.html#transaction-response). */
  const transactionServer = (style: 'epj' | 'hapi') => {
    let next = 1;
    return startFakeFhirServer((req) => {
      const sent = JSON.parse(req.body) as SentBundle;
      return {
        status: 200,
        body: {
          resourceType: 'Bundle',
          type: 'transaction-response',
          entry: sent.entry.map((e) => {
            const id = style === 'epj' ? `id-${next++}` : String(next++);
            const type = e.resource.resourceType;
            return style === 'epj'
              ? { fullUrl: `http://127.0.0.1:1/${type}/${id}`, response: { status: '201 Created', location: `${type}/${id}/_history/1`, etag: 'W/"1"' } }
              : { response: { status: '201 Created', location: `http://hapi.internal:8080/fhir/${type}/${id}/_history/1`, etag: 'W/"1"' } };
          }),
        },
      };
    });
  };

  for (const style of ['epj', 'hapi'] as const) {
    it(`takes the server's ids from each entry's response (${style === 'epj' ? 'our EPJ: fullUrl and relative location' : 'HAPI-like: absolute location only'})`, async () => {
      server = await transactionServer(style);
      const base = style === 'epj' ? server.origin : `${server.origin}/fhir`;
      const patients = await seedPatients(base, { patients: 4, admittedFraction: 0.5, seed: 7, bundleEntries: 10 });
      expect(patients).to.have.length(4);
      expect(patients.filter((p) => p.encounterId)).to.have.length(2);
      const sent = server.requests.map((r) => JSON.parse(r.body) as SentBundle);
      // every patient's id is the one the server gave its Patient entry; the encounter the one of its third entry
      const ids = sent.flatMap((b) => b.entry.map((e) => e.resource.resourceType));
      expect(ids.filter((t) => t === 'Patient')).to.have.length(4);
      for (const p of patients) expect(p.patientId).to.match(style === 'epj' ? /^id-\d+$/ : /^\d+$/);
      for (const r of server.requests) {
        expect(r.method).to.equal('POST');
        expect(r.url).to.equal(style === 'epj' ? '/' : '/fhir'); // POST [base] (our EPJ: `POST /`, as always)
        expect(r.headers['content-type']).to.equal('application/fhir+json');
      }
      expect(sent.every((b) => b.type === 'transaction' && b.entry.every((e) => e.request.method === 'POST' && e.request.url === e.resource.resourceType))).to.equal(true);
    });
  }

  it('fails on any entry that is not 2xx or names no resource of the type sent, or on a count mismatch', () => {
    const ok = { response: { status: '201 Created', location: 'Patient/1/_history/1' } };
    const body = (...entry: object[]) => JSON.stringify({ resourceType: 'Bundle', type: 'transaction-response', entry });
    expect(transactionIds(body(ok, { response: { status: '200 OK', location: 'Encounter/2' } }), ['Patient', 'Encounter'], 'b')).to.deep.equal(['1', '2']);
    expect(() => transactionIds(body(ok, { response: { status: '400 Bad Request' } }), ['Patient', 'Encounter'], 'b')).to.throw(/entry 1 \(Encounter\) has status 400/);
    expect(() => transactionIds(body(ok, ok), ['Patient', 'Encounter'], 'b')).to.throw(/entry 1 names no Encounter/);
    expect(() => transactionIds(body(ok), ['Patient', 'Encounter'], 'b')).to.throw(/1 entries for 2 sent/);
    expect(() => transactionIds('{"resourceType":"OperationOutcome"}', ['Patient'], 'b')).to.throw(/not a Bundle/);
  });
});
