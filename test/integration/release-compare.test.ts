import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import { compareTargets, regressions } from '../../harness/compare/compare.js';
import { IMAGES } from '../../harness/images/catalog.js';
import { runExperiment } from '../../harness/index.js';
import { releaseDrill, RELEASE_DRILL_TITLE } from '../support/release-drill.js';
import { NOTHING, runObjects } from '../support/docker-objects.js';

/**
 * Two releases of the reference EPJ, chosen by the stack option `epjImage`: the default build, and the same code
 * with a planted regression (fixtures/epj/regression.go: after losing its database it waits 5 s before trying
 * again). A database restart under load, once on each: `compare` must find the regressed release worse, naming the
 * RTO checks' measures and their deltas — from the two journals alone.
 */
describe('release comparison: the same release twice is no regression; a planted regression compares as worse', function () {
  this.timeout(400_000);
  const TITLE = RELEASE_DRILL_TITLE;
  const drill = releaseDrill;
  let dir = '';
  before(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'epj-chaos-releases-'));
  });
  after(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('two runs of the current release: nothing worse (single runs: the floors and counting noise decide)', async () => {
    // both runs in one reports directory, the current release's side of the next test; compared here run by run
    const runs = [];
    for (let i = 0; i < 2; i++) runs.push(await runExperiment(TITLE, drill(IMAGES.epj), { reportDir: path.join(dir, 'current') }));
    for (const r of runs) {
      expect(r.status, r.reason).to.equal('completed');
      expect(await runObjects(r.runId!)).to.deep.equal(NOTHING);
    }
    const c = await compareTargets(path.dirname(runs[0]!.journal!), path.dirname(runs[1]!.journal!));
    const worse = regressions(c);
    expect(worse.map((r) => `${r.measure}: ${r.a} → ${r.b} (${r.delta})`)).to.deep.equal([]);
    expect(c.experiments[0]!.rows.length, 'measures compared').to.be.above(20);
  });

  it('names the functions whose recovery got slower, and by how much', async () => {
    const candidate = await runExperiment(TITLE, drill(IMAGES.epjRegressed), { reportDir: path.join(dir, 'candidate') });
    expect(candidate.status, candidate.reason).to.equal('completed');
    expect(await runObjects(candidate.runId!)).to.deep.equal(NOTHING);
    // both runs of the current release are its side: medians and spreads
    const c = await compareTargets(path.join(dir, 'current'), path.join(dir, 'candidate'));
    expect(c.experiments.map((e) => e.experiment)).to.deep.equal([TITLE]);
    // the journals say which EPJ image each run had: the comparison is of two releases, not of two machines' moods
    const worse = regressions(c).filter((r) => r.kind === 'rto');
    const slower = worse.map((r) => r.measure);
    console.log(`      worse: ${worse.map((r) => `${r.measure} ${r.a} → ${r.b} (${r.delta})`).join('; ')}`);
    // every function the EPJ serves from its database waits out the regressed build's back-off
    for (const fn of ['journal-lookup', 'clinical-note']) expect(slower.some((m) => m.includes(`RTO ${fn} `)), `${fn} in ${slower.join(', ')}`).to.equal(true);
    for (const r of worse) expect(r.delta).to.match(/^\+\d/);
  });
});
