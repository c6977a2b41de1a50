import { expect } from 'chai';
import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { HarnessError } from '../../../harness/errors.js';
import { History } from '../../../harness/history/history.js';
import { FhirEndpoint } from '../../../harness/fhir/endpoint.js';
import { LinkCredentials } from '../../../harness/fhir/link-credentials.js';
import type { LinkSpec } from '../../../harness/stack/definition.js';
import { runLoad, type RunLoadOptions } from '../../../harness/workload/driver.js';
import { onlyFunctions, defaultProfile } from '../../../harness/workload/profile.js';
import { makeTestCertificates } from '../../support/test-certificates.js';

/**
 * The driver against stand-in epj-load programs (small Node scripts), so its line handling, error paths and
 * process hygiene are tested without Docker. The real epj-load is exercised in test/integration/workload.test.ts.
 */
describe('workload: driver (stand-in epj-load)', function () {
  this.timeout(20_000);
  let dir: string;
  const patients = [{ patientId: 'p1', cpr: '0100701234', encounterId: 'e1' }];
  const endpoints = { 'journal-lookup': 'http://127.0.0.1:9', admission: 'http://127.0.0.1:9' };
  const profile = onlyFunctions(defaultProfile, ['journal-lookup', 'admission']);

  before(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'epj-load-fake-'));
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  /** writes an executable stand-in whose body (JS) runs after the config was read from stdin as `config` */
  async function fake(name: string, body: string): Promise<string> {
    const file = path.join(dir, name);
    await writeFile(
      file,
      `#!${process.execPath}
const fs = require('node:fs');
let buf = '';
process.stdin.on('data', (d) => {
  buf += d;
  const nl = buf.indexOf('\\n');
  if (nl < 0 || globalThis.started) return;
  globalThis.started = true;
  const config = JSON.parse(buf.slice(0, nl));
  fs.writeFileSync(${JSON.stringify(path.join(dir, name + '.pid'))}, String(process.pid));
  fs.writeFileSync(${JSON.stringify(path.join(dir, name + '.env'))}, JSON.stringify(Object.keys(process.env)));
  const out = (o) => process.stdout.write(JSON.stringify(o) + '\\n');
  const now = () => Date.now();
  ${body}
});
`,
    );
    await chmod(file, 0o755);
    return file;
  }

  const base = (binary: string, extra: Partial<RunLoadOptions> = {}): RunLoadOptions => ({
    binary,
    endpoints,
    history: new History(),
    patients,
    profile,
    durationMs: 1000,
    ...extra,
  });

  async function pidGone(name: string): Promise<void> {
    const { readFile } = await import('node:fs/promises');
    const pid = Number(await readFile(path.join(dir, name + '.pid'), 'utf8'));
    expect(() => process.kill(pid, 0), `stand-in ${name} (pid ${pid}) still runs`).to.throw();
  }

  const summary = (interrupted = false) => `out({ summary: { startedAt: 1, endedAt: 2, durationMs: 1000, interrupted: ${interrupted}, functions: {} } });`;

  it('records per-second request buckets and one write event per write line, with a minimal env', async () => {
    const bin = await fake(
      'good',
      `const t = now();
       out({ t, start: t - 5, sendLagMs: 0, fn: 'journal-lookup', ok: true, status: 200, latencyMs: 4, cause: null });
       out({ t, start: t - 5, sendLagMs: 0, fn: 'admission', ok: true, status: 201, latencyMs: 9, cause: null, write: { writeId: 'w1', resourceType: 'Encounter', resourceId: '7', versionId: '1', outcome: 'acknowledged' } });
       out({ t, start: t - 5, sendLagMs: 0, fn: 'admission', ok: false, status: 0, latencyMs: 2000, cause: 'timeout', write: { writeId: 'w2', resourceType: 'Encounter', outcome: 'unknown' } });
       ${summary()}
       process.exit(0);`,
    );
    const opts = base(bin);
    process.env.EPJ_CHAOS_TEST_SECRET = 'hunter2';
    const res = await runLoad(opts).finally(() => delete process.env.EPJ_CHAOS_TEST_SECRET);
    expect(res).to.include({ attempts: 3, writes: 2, aborted: false });
    const buckets = opts.history.ofKind('requests');
    expect(buckets.map((b) => [b.fn, b.attempts, b.successes])).to.have.deep.members([
      ['journal-lookup', 1, 1],
      ['admission', 2, 1],
    ]);
    expect(buckets.find((b) => b.fn === 'admission')!.failures).to.deep.equal({ timeout: 1 });
    const writes = opts.history.ofKind('write');
    expect(writes.map((w) => [w.writeId, w.outcome, w.resourceId])).to.deep.equal([
      ['w1', 'acknowledged', '7'],
      ['w2', 'unknown', undefined],
    ]);
    // the child got the config on stdin but none of our environment (no secret can travel into the history)
    const { readFile } = await import('node:fs/promises');
    expect(JSON.parse(await readFile(path.join(dir, 'good.env'), 'utf8'))).to.deep.equal([]);
    await pidGone('good');
  });

  it('fails on a malformed line, naming its number and start, and kills epj-load', async () => {
    const bin = await fake(
      'malformed',
      `out({ t: now(), start: now() - 1, sendLagMs: 0, fn: 'admission', ok: true, status: 201, latencyMs: 1, cause: null, write: { writeId: 'w', resourceType: 'Encounter', resourceId: '1', outcome: 'acknowledged' } });
       process.stdout.write('this is not json at all\\n');
       setInterval(() => {}, 1000); // would run forever`,
    );
    let err: unknown;
    try {
      await runLoad(base(bin, { durationMs: 60_000 }));
    } catch (e) {
      err = e;
    }
    expect(err).to.be.instanceOf(HarnessError);
    expect((err as Error).message).to.match(/malformed line 2 .*"this is not json at all"/);
    await pidGone('malformed');
  });

  it('fails with the stderr tail when epj-load exits non-zero', async () => {
    const bin = await fake('crash', `process.stderr.write('panic: the floor is lava\\n'); process.exit(1);`);
    let err: unknown;
    try {
      await runLoad(base(bin));
    } catch (e) {
      err = e;
    }
    expect((err as Error).message).to.match(/exited with 1/).and.match(/the floor is lava/);
  });

  it('fails when epj-load exits 0 without its summary', async () => {
    const bin = await fake('nosummary', `process.exit(0);`);
    let err: unknown;
    try {
      await runLoad(base(bin));
    } catch (e) {
      err = e;
    }
    expect((err as Error).message).to.match(/without its summary/);
  });

  it('stops epj-load with SIGTERM on abort, flushes and resolves', async () => {
    const bin = await fake(
      'endless',
      `const tick = setInterval(() => out({ t: now(), start: now() - 1, sendLagMs: 0, fn: 'journal-lookup', ok: true, status: 200, latencyMs: 3, cause: null }), 20);
       process.on('SIGTERM', () => { clearInterval(tick); ${summary(true)} process.exit(0); });`,
    );
    const ac = new AbortController();
    const opts = base(bin, { durationMs: 0, signal: ac.signal });
    setTimeout(() => ac.abort(), 500);
    const res = await runLoad(opts);
    expect(res.aborted).to.equal(true);
    expect(res.attempts).to.be.greaterThan(5);
    expect(opts.history.ofKind('requests').reduce((s, b) => s + b.attempts, 0)).to.equal(res.attempts);
    await pidGone('endless');
  });

  it('names the fix when the binary is missing', async () => {
    let err: unknown;
    try {
      await runLoad(base(path.join(dir, 'no-such-epj-load')));
    } catch (e) {
      err = e;
    }
    expect(err).to.be.instanceOf(HarnessError);
    expect((err as HarnessError).message).to.match(/not built: .*no-such-epj-load is missing/);
    expect((err as HarnessError).hint).to.match(/npm run setup/);
  });

  it('refuses endpoints that are not loopback before starting anything', async () => {
    let err: unknown;
    try {
      await runLoad(base(path.join(dir, 'never-started'), { endpoints: { ...endpoints, admission: 'http://10.1.2.3:8080' } }));
    } catch (e) {
      err = e;
    }
    expect((err as Error).message).to.match(/not a loopback/);
  });

  it('hands epj-load its targets’ tokens in its own environment only, and names and paths in its config', async () => {
    const bin = await fake(
      'auth',
      `fs.writeFileSync(${JSON.stringify(path.join(dir, 'auth.config'))}, JSON.stringify(config));
       fs.writeFileSync(${JSON.stringify(path.join(dir, 'auth.environment'))}, JSON.stringify(process.env));
       ${summary()}
       process.exit(0);`,
    );
    const token = 'synthetic-driver-token-5c1e';
    const certs = makeTestCertificates();
    const history = new History();
    try {
      const spec: LinkSpec = { name: 'front', kind: 'front-door', listenPort: 8443, upstream: { container: 'fhir', port: 8443 }, publish: true, auth: { bearerTokenEnv: 'EPJ_UNIT_DRIVER_BEARER', tls: { ca: certs.files.ca, servername: 'epj.example' } } };
      const door = new FhirEndpoint('https://127.0.0.1:9/fhir', LinkCredentials.read(spec, { EPJ_UNIT_DRIVER_BEARER: token }));
      await runLoad({ ...base(bin), endpoints: { 'journal-lookup': door, admission: door }, history });
    } finally {
      certs.remove();
    }
    const { readFile } = await import('node:fs/promises');
    const configText = await readFile(path.join(dir, 'auth.config'), 'utf8');
    expect(configText).to.not.contain(token);
    const config = JSON.parse(configText) as { targets: object; auth: object };
    expect(config.targets).to.deep.equal({ 'journal-lookup': 'https://127.0.0.1:9/fhir', admission: 'https://127.0.0.1:9/fhir' });
    // two functions through one link: one variable; the CA by absolute path (epj-load reads it)
    const sameLink = { bearerTokenEnv: 'EPJ_LOAD_TOKEN_0', tls: { ca: certs.files.ca, serverName: 'epj.example' } };
    expect(config.auth).to.deep.equal({ 'journal-lookup': sameLink, admission: sameLink });
    // the token in epj-load's environment, and nothing else of ours
    expect(JSON.parse(await readFile(path.join(dir, 'auth.environment'), 'utf8'))).to.deep.equal({ EPJ_LOAD_TOKEN_0: token });
    expect(JSON.stringify(history.all())).to.not.contain(token);
  });
});
