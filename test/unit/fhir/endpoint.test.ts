import { randomBytes } from 'node:crypto';
import { inspect } from 'node:util';
import { expect } from 'chai';
import { HarnessError, InvalidInputError } from '../../../harness/errors.js';
import { FhirEndpoint } from '../../../harness/fhir/endpoint.js';
import { FhirClient } from '../../../harness/fhir/client.js';
import { syntheticPatient } from '../../../harness/fhir/resources.js';
import { freshRequest } from '../../../harness/probes/fresh-http.js';
import { parseStackDefinition, type StackDefinitionInput } from '../../../harness/stack/definition.js';
import { StartedStack } from '../../../harness/stack/started-stack.js';
import { httpAnswers } from '../../../harness/stack/wait/for-http.js';
import { readBack } from '../../../harness/workload/readback.js';
import { seedPatients } from '../../../harness/workload/seed.js';
import { makeTestCertificates, type TestCertificates } from '../../support/test-certificates.js';
import { startFakeFhirServer, type FakeAnswer, type FakeFhirServer, type SeenRequest } from '../workload/fake-fhir-server.js';

/**
 * The one way the harness calls a FHIR endpoint (harness/fhir/endpoint.ts), against https stand-ins on 127.0.0.1
 * with certificates made for the test: the bearer token from its variable, the link's CA trusted, its server name
 * verified, its client certificate presented — and a server whose certificate another CA issued refused with a
 * message that says what to fix. The token is random per run; the stack is a StartedStack view (no Docker).
 */
describe('fhir: endpoints with a bearer token and TLS', function () {
  this.timeout(20_000);
  const TOKEN_VARIABLE = 'EPJ_UNIT_ENDPOINT_BEARER';
  const token = `synthetic-${randomBytes(8).toString('hex')}`;
  let certs: TestCertificates;
  let server: FakeFhirServer | undefined;

  before(() => {
    certs = makeTestCertificates();
    process.env[TOKEN_VARIABLE] = token;
  });
  after(() => {
    certs.remove();
    delete process.env[TOKEN_VARIABLE];
  });
  afterEach(async () => {
    await server?.close();
    server = undefined;
  });

  /** an https FHIR stand-in; with `mutual`, it requires a client certificate from the test CA */
  const start = async (answer: (req: SeenRequest) => FakeAnswer, mutual = false) => {
    server = await startFakeFhirServer(answer, {
      key: certs.pem.serverKey,
      cert: certs.pem.serverCert,
      ...(mutual ? { ca: certs.pem.ca, requestCert: true, rejectUnauthorized: true } : {}),
    });
    return server;
  };

  /** a one-site vendor stack whose front door is the stand-in, with `tls` and the bearer token */
  const stackWith = (tls: Record<string, string> | undefined, extra: { bearer?: boolean } = {}) => {
    const port = Number(new URL(server!.origin).port);
    const auth = { ...(extra.bearer === false ? {} : { bearerTokenEnv: TOKEN_VARIABLE }), ...(tls ? { tls } : {}) };
    const input: StackDefinitionInput = {
      name: 'acme',
      sites: [{ id: 'a', name: 'A' }],
      containers: [{ name: 'fhir', site: 'a', role: 'epj', image: 'x', ready: { kind: 'http', link: 'front', path: '/healthz' } }],
      links: [{ name: 'front', kind: 'front-door', listenPort: 8443, upstream: { container: 'fhir', port: 8443 }, publish: true, basePath: '/fhir', auth }],
      functions: { 'clinical-note': { link: 'front' }, 'journal-lookup': { link: 'front' } },
    };
    return new StartedStack(undefined as never, 'unit1234', parseStackDefinition(input), { front: port }, 1);
  };
  const trusted = () => ({ ca: certs.files.ca, servername: certs.serverName });

  const created = (req: SeenRequest): FakeAnswer =>
    req.method === 'POST' ? { status: 201, body: { ...(JSON.parse(req.body) as object), id: 'p1', meta: { versionId: '1' } } } : { status: 200, body: { resourceType: 'Bundle', type: 'searchset', entry: [] } };

  it('sends the bearer token over https to the link’s base, trusting its CA and verifying its server name', async () => {
    await start(created);
    const stack = stackWith(trusted());
    expect(stack.functionUrl('clinical-note')).to.equal(`${server!.origin}/fhir`);
    expect(stack.linkUrl('front')).to.match(/^https:\/\/127\.0\.0\.1:\d+$/);
    const patient = await new FhirClient(stack.functionEndpoint('clinical-note')).create(syntheticPatient('0100701234'));
    expect(patient.id).to.equal('p1');
    expect(server!.requests.map((r) => [r.method, r.url, r.headers.authorization])).to.deep.equal([['POST', '/fhir/Patient', `Bearer ${token}`]]);
  });

  it('presents the link’s client certificate to a server that requires one', async () => {
    await start(created, true);
    const stack = stackWith({ ...trusted(), cert: certs.files.clientCert, key: certs.files.clientKey });
    await new FhirClient(stack.functionEndpoint('clinical-note')).search('Patient', { identifier: 'x' });
    expect(server!.requests.map((r) => r.clientCertificate)).to.deep.equal(['epj-chaos harness']);
    // without the certificate the same server answers nothing
    const without = new FhirClient(stackWith(trusted()).functionEndpoint('clinical-note'));
    let failed = false;
    await without.search('Patient', { identifier: 'x' }).catch(() => (failed = true));
    expect(failed, 'answered without a client certificate').to.equal(true);
    expect(server!.requests).to.have.length(1);
  });

  it('refuses a server whose certificate another CA issued, naming the link and the field to fix, and sends it nothing', async () => {
    await start(created);
    const stack = stackWith({ ca: certs.files.otherCa, servername: certs.serverName });
    const err = await new FhirClient(stack.functionEndpoint('clinical-note')).read('Patient', 'p1').then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).to.be.instanceOf(HarnessError);
    expect((err as Error).message).to.match(/^TLS to https:\/\/127\.0\.0\.1:\d+ \(link 'front'\): the server's certificate is not trusted \(\w+: .+\); give the CA that issued it as the link's auth\.tls\.ca$/);
    expect(server!.requests, 'a request went out over an untrusted connection').to.have.length(0);
  });

  it('refuses a certificate not issued to the server name, and says so', async () => {
    await start(created);
    for (const [tls, name] of [[{ ca: certs.files.ca }, '127.0.0.1'], [{ ca: certs.files.ca, servername: 'other.example' }, 'other.example']] as const) {
      const err = await stackWith(tls)
        .functionEndpoint('clinical-note')
        .fetch('metadata')
        .then(
          () => undefined,
          (e: unknown) => e as Error,
        );
      expect(err?.message).to.contain(`the server's certificate is not issued to ${name}`).and.to.contain("set the link's auth.tls.servername");
    }
  });

  it('seeding, read-back, the staleness probe’s fresh requests and readiness all go through the same endpoint', async () => {
    await start((req) => {
      if (req.method === 'POST' && req.url === '/fhir') {
        const sent = JSON.parse(req.body) as { entry: { resource: { resourceType: string } }[] };
        return {
          status: 200,
          body: { resourceType: 'Bundle', type: 'transaction-response', entry: sent.entry.map((e, i) => ({ response: { status: '201 Created', location: `${e.resource.resourceType}/${i}/_history/1` } })) },
        };
      }
      if (req.url === '/healthz') return { status: 200, body: 'ok' };
      return created(req);
    }, true);
    const stack = stackWith({ ...trusted(), cert: certs.files.clientCert, key: certs.files.clientKey });
    const endpoint = stack.functionEndpoint('clinical-note');
    const patients = await seedPatients(endpoint, { patients: 2, seed: 7 });
    expect(patients).to.have.length(2);
    expect(await readBack(endpoint, { Encounter: ['w1'] })).to.deep.equal([]);
    const probe = await freshRequest(endpoint, { path: 'Basic?identifier=x', headers: { accept: 'application/fhir+json' }, timeoutMs: 2000 });
    expect(probe.status).to.equal(200);
    expect(await httpAnswers(stack.linkEndpoint('front'), 200, '/healthz')).to.equal(true);
    expect(server!.requests.map((r) => r.url)).to.deep.equal(['/fhir', `/fhir/Encounter?${new URLSearchParams({ identifier: 'urn:epj-chaos:write-id|w1', _count: '1000' })}`, '/fhir/Basic?identifier=x', '/healthz']);
    for (const r of server!.requests) {
      expect(r.headers.authorization, r.url).to.equal(`Bearer ${token}`);
      expect(r.clientCertificate, r.url).to.equal('epj-chaos harness');
    }
  });

  it('says when a server wants a client certificate the link does not give (fresh connections see the alert)', async () => {
    await start(created, true);
    const err = await freshRequest(stackWith(trusted()).functionEndpoint('clinical-note'), { path: 'metadata', timeoutMs: 2000 }).then(
      () => undefined,
      (e: unknown) => e as Error,
    );
    expect(err?.message).to.match(/TLS to .*\(link 'front'\): (the server requires a client certificate.*auth\.tls\.cert and auth\.tls\.key|the handshake failed)/);
  });

  it('sends a link’s requests, and so its token, only to its own origin', async () => {
    await start(created);
    const endpoint = stackWith(trusted()).functionEndpoint('clinical-note');
    for (const elsewhere of ['https://127.0.0.1:1/fhir/Patient', `${server!.origin.replace('https:', 'http:')}/fhir/Patient`]) {
      let err: unknown;
      await endpoint.fetch(elsewhere).catch((e: unknown) => (err = e));
      expect(err, elsewhere).to.be.instanceOf(InvalidInputError);
      expect((err as Error).message).to.contain("the harness sends a link's requests, and its token, only there");
    }
    expect(server!.requests).to.have.length(0);
  });

  it('holds the token nowhere it could be printed: not the definition, nor an endpoint serialised or inspected', async () => {
    await start(created);
    const stack = stackWith({ ...trusted(), cert: certs.files.clientCert, key: certs.files.clientKey });
    const endpoint = stack.functionEndpoint('clinical-note');
    expect(endpoint.headers().authorization).to.equal(`Bearer ${token}`);
    for (const text of [JSON.stringify(stack.definition), JSON.stringify(endpoint), inspect(endpoint, { depth: 10, showHidden: true }), inspect(endpoint.credentials, { depth: 10 }), JSON.stringify({ ...endpoint })]) {
      expect(text).to.not.contain(token);
    }
    expect(JSON.parse(JSON.stringify(endpoint))).to.deep.equal({
      url: `${server!.origin}/fhir`,
      auth: { link: 'front', bearerTokenEnv: TOKEN_VARIABLE, tls: { ca: certs.files.ca, cert: certs.files.clientCert, key: certs.files.clientKey, servername: certs.serverName } },
    });
  });

  it('reads the token when the link is first called, not when the definition is parsed', async () => {
    await start(created);
    delete process.env[TOKEN_VARIABLE];
    try {
      const stack = stackWith(trusted()); // parsing needs no token
      expect(() => stack.functionEndpoint('clinical-note')).to.throw(InvalidInputError, `link 'front': auth.bearerTokenEnv: the environment variable ${TOKEN_VARIABLE} is not set`);
    } finally {
      process.env[TOKEN_VARIABLE] = token;
    }
  });

  it('is an endpoint without auth when given a plain URL, as before', () => {
    const plain = FhirEndpoint.of('http://127.0.0.1:8080/fhir/');
    expect(plain.url).to.equal('http://127.0.0.1:8080/fhir');
    expect(plain.headers({ accept: 'application/fhir+json' })).to.deep.equal({ accept: 'application/fhir+json' });
    expect(plain.dispatcher).to.equal(undefined);
    expect(() => FhirEndpoint.of('http://10.0.0.1:8080', 'seeding')).to.throw(InvalidInputError, /seeding: 'http:\/\/10\.0\.0\.1:8080' is not a loopback/);
  });
});
