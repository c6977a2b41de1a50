import { mkdir, readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { expect } from 'chai';
import { PROJECT_ROOT } from '../../harness/images/catalog.js';
import { runCli } from '../support/cli.js';

/**
 * The library's read-only fallback drill and failover drill on a FHIR server this project did not write: HAPI FHIR's
 * JPA server (fixtures/stacks/hapi.json, docs/hapi.md), run exactly as a vendor would run them —
 * `epj-chaos run <experiment> --stack fixtures/stacks/hapi.json`. The test passes when the harness's verdicts are
 * right: where HAPI does what a drill asks, the check passes; where it cannot, the test asserts that failing verdict
 * and its reason (a finding about HAPI, in the README). `npm run test:vendor`; not part of `npm test` (JVM start-up
 * alone takes minutes here).
 */

interface Journal {
  experiment: string;
  status: string;
  reason?: string;
  verdicts: { checker: string; status: string; summary: string }[];
}

async function journalsIn(dir: string): Promise<Journal[]> {
  const files = (await readdir(dir, { recursive: true })).map(String).filter((f) => f.endsWith('journal.json'));
  return Promise.all(files.map(async (f) => JSON.parse(await readFile(path.join(dir, f), 'utf8')) as Journal));
}

function show(journals: Journal[]): void {
  for (const j of journals) {
    console.log(`      ${j.experiment}: ${j.status}${j.reason ? ` (${j.reason})` : ''}`);
    for (const v of j.verdicts) console.log(`        ${v.status.toUpperCase().padEnd(7)} ${v.checker}: ${v.summary}`);
  }
}

describe('vendor mode on HAPI FHIR: the library’s drills on a server the project did not write', function () {
  this.timeout(30 * 60_000);
  const stackFile = path.join(PROJECT_ROOT, 'fixtures', 'stacks', 'hapi.json');
  // the journals and reports are kept: they are the evidence for what docs/hapi.md says about HAPI
  const dir = path.join(PROJECT_ROOT, 'reports', `vendor-hapi-${new Date().toISOString().replace(/[:.]/g, '-')}`);
  before(async () => {
    await mkdir(dir, { recursive: true });
    console.log(`      reports: ${dir}`);
  });

  /** the verdict of one check, by its name */
  const verdictOf = (j: Journal, check: string) => {
    const v = j.verdicts.find((x) => x.checker === check);
    expect(v, `${j.experiment}: no check '${check}'`).to.not.equal(undefined);
    return v!;
  };

  it('the read-only fallback drill passes: the read-only HAPI on the hot standby serves, once its JVM has booted', async () => {
    const out = path.join(dir, 'read-only');
    const r = await runCli(['run', 'experiments/read-only-fallback-drill.experiment.ts', '--stack', stackFile, '--report-dir', out]);
    const journals = await journalsIn(out);
    show(journals);
    expect(journals, r.stderr).to.have.length(1);
    const [j] = journals;
    expect(j!.status, j!.reason).to.equal('completed');
    for (const v of j!.verdicts) expect(v.status, `${v.checker}: ${v.summary}`).to.equal('pass');
  });

  it('the failover drill: no write lost, synchrony where asked — and B is not back within 90 s, since its HAPI boots at failover', async () => {
    const out = path.join(dir, 'failover');
    const r = await runCli(['run', 'experiments/failover-drill.experiment.ts', '--stack', stackFile, '--report-dir', out]);
    const journals = await journalsIn(out);
    show(journals);
    expect(journals, r.stderr).to.have.length(2);
    const async = journals.find((j) => j.experiment.includes('async'))!;
    const sync = journals.find((j) => j.experiment.includes('remote_apply'))!;
    for (const j of [async, sync]) {
      // the finding: b-hapi may only start after the promotion, and a JVM boot is most of a minute here, so every
      // function served by it is back after the drill's bound; the read-only lookup never left
      const back = verdictOf(j, 'every function is back at B within 90 s of losing site A');
      expect(back.status, back.summary).to.equal('fail');
    }
    expect(verdictOf(async, 'writes carry on while the WAN is cut').status).to.equal('pass');
    expect(verdictOf(async, 'the failover loses only writes not yet replicated when site A was lost').status).to.equal('pass');
    // the experiment's remote_apply holds on HAPI's stack too (run --stack carries it): writes wait, and stop when cut
    expect(verdictOf(sync, 'a synchronous commit waits for the standby: write p50 at least the WAN delay').status).to.equal('pass');
    expect(verdictOf(sync, 'writes stop while the WAN is cut').status).to.equal('pass');
    expect(verdictOf(sync, 'the failover loses no acknowledged write').status).to.equal('pass');
    // HAPI's own write latency is near the drill's 30-ms WAN delay (discharge, a read and a PUT: p50 31 ms here), so
    // "writes do not wait for the standby" measures HAPI as much as replication: judged, not asserted
    expect(verdictOf(async, 'writes do not wait for the standby: write p50 below the WAN delay').status).to.be.oneOf(['pass', 'fail']);
  });
});
