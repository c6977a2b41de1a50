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

  it('the read-only fallback drill', async () => {
    const out = path.join(dir, 'read-only');
    const r = await runCli(['run', 'experiments/read-only-fallback-drill.experiment.ts', '--stack', stackFile, '--report-dir', out]);
    const journals = await journalsIn(out);
    show(journals);
    expect(journals, r.stderr).to.have.length(1);
    expect(journals[0]!.status, journals[0]!.reason).to.be.oneOf(['completed', 'failed']);
  });

  it('the failover drill', async () => {
    const out = path.join(dir, 'failover');
    const r = await runCli(['run', 'experiments/failover-drill.experiment.ts', '--stack', stackFile, '--report-dir', out]);
    const journals = await journalsIn(out);
    show(journals);
    expect(journals.length, r.stderr).to.be.at.least(1);
  });
});
