import { expect } from 'chai';
import { existsSync } from 'node:fs';
import { chmod, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { HarnessError } from '../../../harness/errors.js';
import { History } from '../../../harness/history/history.js';
import { PROJECT_ROOT } from '../../../harness/images/catalog.js';
import { FhirEndpoint } from '../../../harness/fhir/endpoint.js';
import { LinkCredentials } from '../../../harness/fhir/link-credentials.js';
import type { LinkSpec } from '../../../harness/stack/definition.js';
import { K6_SETTINGS, tokenVariable } from '../../../harness/workload/k6/env.js';
import { runK6Load, type K6LoadOptions } from '../../../harness/workload/k6/run-k6.js';
import { makeTestCertificates } from '../../support/test-certificates.js';

/**
 * runK6Load against a stand-in k6 (test/fixtures/k6/fake-k6.cjs), never a real one: k6 is AGPL and cannot be
 * installed where this project is built. The stand-in checks nothing itself; it records its argv and environment
 * for these tests and writes k6-shaped lines to the `--out json=` file.
 */
describe('workload: k6 adapter (stand-in k6)', function () {
  this.timeout(20_000);
  let dir: string;
  let fakeK6: string;
  const patients = [{ patientId: 'p1', cpr: '0100701234', encounterId: 'e1' }, { patientId: 'p2', cpr: '0100705678' }];
  const endpoints = { 'journal-lookup': 'http://127.0.0.1:18080/fhir', admission: 'http://localhost:18081/fhir/' };

  before(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'epj-k6-test-'));
    // the fixture, started by this very node (the stand-in gets no PATH to find one)
    const source = await readFile(path.join(PROJECT_ROOT, 'test/fixtures/k6/fake-k6.cjs'), 'utf8');
    fakeK6 = path.join(dir, 'k6');
    await writeFile(fakeK6, source.replace(/^#!.*\n/, `#!${process.execPath}\n`));
    await chmod(fakeK6, 0o755);
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  /** a plan for the stand-in (its "script"), in a directory of its own */
  async function plan(name: string, body: object): Promise<string> {
    const sub = await mkdtemp(path.join(dir, `${name}-`));
    const file = path.join(sub, 'script.js');
    await writeFile(file, JSON.stringify(body));
    return file;
  }

  async function seen(script: string): Promise<{ argv: string[]; env: Record<string, string>; pid: number }> {
    return JSON.parse(await readFile(path.join(path.dirname(script), 'seen.json'), 'utf8')) as { argv: string[]; env: Record<string, string>; pid: number };
  }

  const base = (script: string, extra: Partial<K6LoadOptions> = {}): K6LoadOptions => ({
    history: new History(),
    script,
    endpoints,
    patients,
    durationMs: 5000,
    k6Binary: fakeK6,
    rates: { 'journal-lookup': 2, admission: 1 },
    ...extra,
  });

  it('runs k6 boxed in, folds its points into request buckets and records load events, writes and notes', async () => {
    const script = await plan('good', {
      requests: [
        { fn: 'journal-lookup', endAgoMs: 300, blockedMs: 1, durationMs: 20, status: 200, scenario: 'journal-lookup' },
        { fn: 'journal-lookup', endAgoMs: 250, blockedMs: 0, durationMs: 5, status: 503, errorCode: 1503 },
        {
          fn: 'admission',
          endAgoMs: 200,
          durationMs: 40,
          status: 201,
          method: 'POST',
          tags: { epj_resource_type: 'Encounter' },
          metadata: { epj_write_id: 'w-7' },
        },
        { fn: 'billing', endAgoMs: 100, status: 200 },
      ],
      dropped: [{ agoMs: 50, scenario: 'admission' }],
    });
    const opts = base(script);
    const result = await runK6Load(opts);
    const { history } = opts;

    // the box: JSON out, every address but loopback blocked, every host name blocked, nothing reported home
    const s = await seen(script);
    const arg = (flag: string) => s.argv[s.argv.indexOf(flag) + 1];
    expect(s.argv[0]).to.equal('run');
    expect(arg('--out')).to.match(/^json=.+points\.json$/);
    const cidrs = arg('--blacklist-ip')!.split(',');
    expect(cidrs).to.include.members(['128.0.0.0/1', '0.0.0.0/2', '126.0.0.0/8', '8000::/1', '::2/127', '::/128']);
    expect(cidrs.some((c) => c.startsWith('127.'))).to.equal(false);
    expect(arg('--block-hostnames')).to.equal('*');
    expect(s.argv).to.include.members(['--no-usage-report', '--no-thresholds']);
    expect(s.argv[s.argv.length - 1]).to.equal(script);

    // its environment: the documented variables and nothing of ours
    expect(Object.keys(s.env).sort()).to.deep.equal(
      [
        ...Object.keys(K6_SETTINGS),
        'HOME',
        'EPJ_URL_JOURNAL_LOOKUP',
        'EPJ_URL_ADMISSION',
        'EPJ_RATE_JOURNAL_LOOKUP',
        'EPJ_RATE_ADMISSION',
        'EPJ_PATIENTS_FILE',
        'EPJ_TIMEOUT_MS',
        'EPJ_FUNCTION_TAG',
      ].sort(),
    );
    expect(s.env.EPJ_URL_JOURNAL_LOOKUP).to.equal('http://127.0.0.1:18080/fhir');
    expect(s.env.EPJ_URL_ADMISSION).to.equal('http://127.0.0.1:18081/fhir');
    expect(s.env.EPJ_RATE_JOURNAL_LOOKUP).to.equal('2');
    expect(s.env.EPJ_TIMEOUT_MS).to.equal('2000');
    expect(s.env.EPJ_FUNCTION_TAG).to.equal('epj_function');
    expect(s.env.K6_NO_USAGE_REPORT).to.equal('true');
    expect(s.env.K6_AUTO_EXTENSION_RESOLUTION).to.equal('false');

    expect(result).to.include({ aborted: false, attempts: 4, writes: 1, skipped: 0 });
    const buckets = history.ofKind('requests');
    const sum = (fn: string, field: 'attempts' | 'successes') => buckets.filter((b) => b.fn === fn).reduce((n, b) => n + b[field], 0);
    expect(sum('journal-lookup', 'attempts')).to.equal(2);
    expect(sum('journal-lookup', 'successes')).to.equal(1);
    expect(sum('admission', 'attempts')).to.equal(2);
    expect(buckets.filter((b) => b.fn === 'admission').reduce((n, b) => n + (b.failures['not-sent'] ?? 0), 0)).to.equal(1);
    expect(buckets.filter((b) => b.fn === 'journal-lookup').reduce((n, b) => n + (b.failures['http-5xx'] ?? 0), 0)).to.equal(1);
    expect(result.buckets).to.equal(buckets.length);

    const loads = history.ofKind('load');
    expect(loads.map((e) => e.stage)).to.deep.equal(['started', 'stopped']);
    expect(loads[0]!.rates).to.deep.equal({ 'journal-lookup': 2, admission: 1 });
    expect(Object.keys(loads[1]!.slots ?? {}).sort()).to.deep.equal(['admission', 'journal-lookup']);

    const writes = history.ofKind('write');
    expect(writes).to.have.length(1);
    expect(writes[0]).to.include({ fn: 'admission', writeId: 'w-7', resourceType: 'Encounter', outcome: 'acknowledged', status: 201 });

    const notes = history.ofKind('note').map((n) => n.message);
    expect(notes.some((m) => /closed model/.test(m) && /constant-arrival-rate/.test(m))).to.equal(true);
    expect(notes.filter((m) => /not a clinical function/.test(m))).to.have.length(1);
    expect(notes.some((m) => /'billing': 1/.test(m))).to.equal(true);
    expect(notes.some((m) => /dropped 1 arrivals/.test(m))).to.equal(true);
    expect(notes.some((m) => /lost writes cannot be judged/.test(m))).to.equal(false);

    // the stand-in is gone, and so are the temp files
    expectDead(s.pid);
    const out = arg('--out')!.slice('json='.length);
    expectGone(path.dirname(out));
  });

  it('notes that lost writes cannot be judged when no request carries a write id, and that no rates were promised', async () => {
    const script = await plan('nowrites', { requests: [{ fn: 'journal-lookup', endAgoMs: 100, status: 200 }] });
    const opts = base(script, { rates: undefined });
    await runK6Load(opts);
    const notes = opts.history.ofKind('note').map((n) => n.message);
    expect(notes.some((m) => /lost writes cannot be judged/.test(m))).to.equal(true);
    expect(notes.some((m) => /without promised rates/.test(m))).to.equal(true);
    expect(opts.history.ofKind('load')[0]!.rates).to.deep.equal({});
  });

  it('stops a k6 that runs on at the end of the duration (SIGTERM → ExternalAbort is fine) and on abort', async () => {
    const script = await plan('forever', { requests: [{ fn: 'journal-lookup', endAgoMs: 10, status: 200 }], untilSignal: true });
    // long enough for the fake k6 (a node process) to start and write on a busy machine before it is stopped
    const result = await runK6Load(base(script, { durationMs: 3000 }));
    expect(result.aborted).to.equal(false);
    expect(result.attempts).to.equal(1);
    expectDead((await seen(script)).pid);

    const script2 = await plan('aborted', { requests: [], untilSignal: true });
    const ac = new AbortController();
    setTimeout(() => ac.abort(), 2500);
    const aborted = await runK6Load(base(script2, { durationMs: 0, signal: ac.signal }));
    expect(aborted.aborted).to.equal(true);
    expectDead((await seen(script2)).pid);
  });

  it("refuses clearly when k6 is not there ('missing-tool')", async () => {
    const script = await plan('missing', { requests: [] });
    for (const k6Binary of [path.join(dir, 'no-such-k6'), 'no-such-k6-on-path']) {
      try {
        await runK6Load(base(script, { k6Binary }));
        expect.fail('no error');
      } catch (err) {
        expect(err).to.be.instanceOf(HarnessError);
        expect((err as HarnessError).code).to.equal('missing-tool');
        expect((err as HarnessError).hint).to.match(/your own install/).and.to.match(/epj-load/);
      }
    }
  });

  it('names the k6 exit code when k6 fails, and leaves nothing behind', async () => {
    const script = await plan('exception', { requests: [{ fn: 'journal-lookup', status: 200 }], exitCode: 107, stderr: 'ReferenceError: x is not defined' });
    const opts = base(script);
    try {
      await runK6Load(opts);
      expect.fail('no error');
    } catch (err) {
      expect(err).to.be.instanceOf(HarnessError);
      expect((err as Error).message).to.match(/k6 exited with 107 \(ScriptException/).and.to.match(/ReferenceError/);
    }
    expect(opts.history.ofKind('load').map((e) => e.stage)).to.deep.equal(['started', 'stopped']);
    expectDead((await seen(script)).pid);
  });

  it('stops k6 on a malformed output line and names the line', async () => {
    const script = await plan('malformed', { requests: [{ fn: 'journal-lookup', status: 200 }], rawLines: ['{"type":"Point","metric":"http_req_duration","data":{'], untilSignal: true });
    try {
      await runK6Load(base(script));
      expect.fail('no error');
    } catch (err) {
      expect((err as HarnessError).code).to.equal('workload-malformed-line');
      expect((err as Error).message).to.match(/malformed line 19 /);
    }
    expectDead((await seen(script)).pid);
  });

  it('refuses endpoints that are not loopback before starting anything', async () => {
    const script = await plan('remote', { requests: [] });
    try {
      await runK6Load(base(script, { endpoints: { 'journal-lookup': 'http://10.0.0.5:8080/fhir' } }));
      expect.fail('no error');
    } catch (err) {
      expect((err as HarnessError).code).to.equal('invalid-input');
    }
    expectGone(path.join(path.dirname(script), 'seen.json'));
  });

  it('hands the script each function’s bearer token as EPJ_TOKEN_<FUNCTION>, and notes what of TLS it does not get', async () => {
    const script = await plan('token', { requests: [{ fn: 'journal-lookup', endAgoMs: 100, status: 200 }] });
    const token = 'synthetic-k6-token-93be';
    const certs = makeTestCertificates();
    const opts = base(script);
    try {
      const spec: LinkSpec = { name: 'front', kind: 'front-door', listenPort: 8443, upstream: { container: 'fhir', port: 8443 }, publish: true, auth: { bearerTokenEnv: 'EPJ_UNIT_K6_BEARER', tls: { ca: certs.files.ca } } };
      const door = new FhirEndpoint('https://127.0.0.1:18443/fhir', LinkCredentials.read(spec, { EPJ_UNIT_K6_BEARER: token }));
      opts.endpoints = { 'journal-lookup': door, admission: 'http://127.0.0.1:18081/fhir' };
      await runK6Load(opts);
    } finally {
      certs.remove();
    }
    const s = await seen(script);
    expect(s.env.EPJ_URL_JOURNAL_LOOKUP).to.equal('https://127.0.0.1:18443/fhir');
    expect(s.env[tokenVariable('journal-lookup')]).to.equal(token);
    expect(s.env).to.not.have.property(tokenVariable('admission'));
    expect(opts.history.ofKind('note').some((n) => /k6 load over TLS \(front\).*not the links' CA, client certificate or server name/.test(n.message))).to.equal(true);
    expect(JSON.stringify(opts.history.all())).to.not.contain(token);
  });
});

function expectGone(p: string): void {
  expect(existsSync(p), `${p} is still there`).to.equal(false);
}

function expectDead(pid: number): void {
  expect(() => process.kill(pid, 0), `stand-in k6 (pid ${pid}) still runs`).to.throw();
}
