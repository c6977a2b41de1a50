import { randomBytes } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import { at, availability, lostWrites, runExperiment, type ExperimentSpec } from '../../harness/index.js';
import { parseStackDefinition, type StackDefinition } from '../../harness/stack/definition.js';
import { referenceStack } from '../../harness/stack/reference-stack.js';
import { makeTestCertificates, type TestCertificates } from '../support/test-certificates.js';
import { NOTHING, runObjects } from '../support/docker-objects.js';

/**
 * A FHIR endpoint behind TLS and a bearer token, on a real stack: site A's EPJ (fixtures/epj/auth.go) serves only
 * TLS with a certificate issued to `epj.example` by a CA made for this test, and answers FHIR requests without the
 * token with 401. The definition gives its links the CA, the server name and the variable the token is in
 * (harness/stack/link-auth.ts); the load, the seeding, the staleness probe, readiness and the runbooks' HTTP calls
 * all go through that (harness/fhir/endpoint.ts). The token and the key reach no journal, report or saved log.
 */
describe('FHIR endpoints with TLS and a bearer token (site A’s EPJ)', function () {
  this.timeout(240_000);
  const tag = randomBytes(6).toString('hex');
  const TOKEN = `epj-bearer-${tag}`;
  // a variable whose name does not look secret: the definition naming it as a token source is what makes it secret
  const TOKEN_VAR = 'EPJ_CHAOS_TEST_FHIR_CREDENTIAL';
  const WRONG_VAR = 'EPJ_CHAOS_TEST_FHIR_WRONG';
  let certs: TestCertificates;
  let reports: string;

  before(async () => {
    certs = makeTestCertificates();
    reports = await mkdtemp(path.join(tmpdir(), 'epj-chaos-fhir-auth-'));
    process.env[TOKEN_VAR] = TOKEN;
    process.env[WRONG_VAR] = `not-the-token-${tag}`;
  });
  after(async () => {
    delete process.env[TOKEN_VAR];
    delete process.env[WRONG_VAR];
    certs?.remove();
    if (reports) await rm(reports, { recursive: true, force: true });
  });

  /** The reference stack with site A's EPJ behind TLS and a token, its links told how to reach it. */
  function securedStack(tokenVar: string): StackDefinition {
    const def = parseStackDefinition(referenceStack());
    const epj = def.containers.find((c) => c.role === 'epj' && c.site === 'a')!;
    epj.env = { ...epj.env, EPJ_TLS_CERT_PEM: certs.pem.serverCert.toString(), EPJ_TLS_KEY_PEM: certs.pem.serverKey.toString(), EPJ_BEARER_TOKEN: TOKEN };
    const tls = { ca: certs.files.ca, servername: certs.serverName };
    for (const link of def.links.filter((l) => l.upstream.container === epj.name && l.publish !== false)) {
      // the front doors carry FHIR (token and TLS); the admin link reaches /healthz and /_admin (TLS only)
      link.auth = link.kind === 'front-door' ? { bearerTokenEnv: tokenVar, tls } : { tls };
    }
    return def;
  }

  const spec = (stack: StackDefinition): ExperimentSpec => ({
    stack,
    timeScale: 60,
    load: { patients: 50 },
    steadyState: { for: '30 s' },
    timeline: [at('0').phase('baseline'), at('2 min').end()],
    checks: {
      'every function serves through TLS and the token': availability('all').in('baseline').atLeast(0.99),
      'every acknowledged write is read back through them': lostWrites().none(),
    },
  });

  it('with the right token every function serves, and neither token nor key is in any artefact', async () => {
    const r = await runExperiment('FHIR over TLS with a bearer token', spec(securedStack(TOKEN_VAR)), { reportDir: reports });
    expect(r.status, r.reason).to.equal('completed');
    for (const c of r.checks) expect(c.verdict.status, `${c.name}: ${c.verdict.summary}`).to.equal('pass');
    // the staleness probe wrote its heartbeats through the secured front door, too
    expect(r.history.ofKind('staleness').some((s) => s.via === 'fhir' && s.stalenessMs !== null)).to.equal(true);
    expect(await runObjects(r.runId!)).to.deep.equal(NOTHING);
    const dir = path.dirname(r.journal!);
    const files = (await readdir(dir, { recursive: true })).map(String);
    expect(files).to.include.members(['journal.json', 'index.html', 'summary.md']);
    const key = certs.pem.serverKey.toString().split('\n')[1]!;
    for (const f of files) {
      const full = path.join(dir, f);
      if (!f.includes('.')) continue; // a directory (logs/)
      const text = await readFile(full, 'utf8');
      expect(text.includes(TOKEN), `${f} holds the token`).to.equal(false);
      expect(text.includes(key), `${f} holds the TLS key`).to.equal(false);
    }
  });

  it('with a wrong token the EPJ answers 401: the run stops at seeding, saying so, and leaves nothing', async () => {
    const r = await runExperiment('FHIR over TLS with a wrong bearer token', spec(securedStack(WRONG_VAR)), { reportDir: reports });
    expect(r.status, r.reason).to.equal('failed');
    expect(r.reason).to.match(/401/);
    expect(r.reason).to.not.include(process.env[WRONG_VAR]!);
    expect(await runObjects(r.runId!)).to.deep.equal(NOTHING);
  });
});
