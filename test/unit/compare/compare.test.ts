import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import type { Verdict } from '../../../harness/checkers/verdict.js';
import { compareTargets, regressions, type Comparison } from '../../../harness/compare/compare.js';
import { firstDisturbance } from '../../../harness/compare/measures.js';
import { InvalidInputError } from '../../../harness/errors.js';
import { Clock } from '../../../harness/history/clock.js';
import type { NewEvent } from '../../../harness/history/events.js';
import { History } from '../../../harness/history/history.js';
import { writeJournal } from '../../../harness/reporters/journal.js';
import { referenceStack } from '../../../harness/stack/reference-stack.js';
import { MergeableHistogram } from '../../../harness/workload/histogram.js';
import { runCli } from '../../support/cli.js';
import { fakeProvenance } from '../../support/provenance.js';

const T0 = 1_800_000_000_000;
const at = (s: number) => T0 + s * 1000;
const NO_DOCKER = { DOCKER_HOST: 'unix:///nonexistent/docker.sock' };

/** One run of the made-up experiment: what a release did, in the numbers the comparison reads. */
interface RunSpec {
  experiment?: string;
  /** measured part of journal-lookup's RTO after the power cut, ms (scripted part: 60 s) */
  rtoMeasuredMs?: number;
  /** journal-lookup's successes of 100 attempts a second during the fault phase */
  faultSuccesses?: number;
  p99Ms?: number;
  stalenessPeakMs?: number;
  lost?: number;
  replication?: 'async' | 'remote_apply';
  lookupCheck?: 'pass' | 'fail';
  harnessSha?: string;
  /** how long the failover (an operator action) took, ms */
  failoverMs?: number;
  /** journal-lookup's attempts a second (default 100) */
  attemptsPerSecond?: number;
  /** the slowest 3 % of journal-lookup's attempts in the fault phase, ms (default: p99Ms) */
  faultP99Ms?: number;
  /** journal-lookup's successes of 100 attempts a second in the baseline (default all) */
  baselineSuccesses?: number;
  /** a transition ('taking hold', second 9: between asking for the fault and its proof) with these successes of 100 */
  transitionSuccesses?: number;
  /**
   * staleness samples that carry the replica's lag behind the primary (`lagMs`): the primary takes no heartbeat for
   * `downMs` from second 10 (its restart), and the replica has been `lagMs` behind it at second 15
   */
  primary?: { downMs: number; lagMs: number };
}

function history(spec: RunSpec, faultId: string): History {
  const h = new History(new Clock(60, T0));
  const events: NewEvent[] = [];
  for (const [name, s] of [['baseline', 0], ['fault', 10], ['recovery', 20]] as const) events.push({ kind: 'phase', name, t: at(s) });
  if (spec.transitionSuccesses !== undefined) events.push({ kind: 'phase', name: 'taking hold', t: at(9), anchored: true, transition: true });
  // a fault id carries a process-wide sequence number, different in every run: the step names it across runs
  events.push({ kind: 'fault', id: faultId, fault: 'site-power', stage: 'scheduled', step: 'power', target: 'site-a', t: at(10) });
  events.push({ kind: 'fault', id: faultId, fault: 'site-power', stage: 'applied', target: 'site-a', t: at(10) });
  for (const [stage, t] of [['scheduled', at(12)], ['started', at(12)], ['completed', at(12) + (spec.failoverMs ?? 1200)]] as const) events.push({ kind: 'action', id: 'failover#1', action: 'failover', stage, t });
  for (let s = 0; s < 30; s++) {
    const n = spec.attemptsPerSecond ?? 100;
    const successes = s >= 10 && s < 20 ? (spec.faultSuccesses ?? n) : s === 9 && spec.transitionSuccesses !== undefined ? spec.transitionSuccesses : s < 10 ? (spec.baselineSuccesses ?? n) : n;
    const hist = new MergeableHistogram();
    const slow = s >= 10 && s < 20 ? (spec.faultP99Ms ?? spec.p99Ms ?? 80) : (spec.p99Ms ?? 80);
    hist.record(10, n - Math.ceil(n * 0.03));
    hist.record(slow, Math.ceil(n * 0.03));
    events.push({
      kind: 'requests',
      fn: 'journal-lookup',
      t: at(s + 1),
      bucket: at(s),
      widthMs: 1000,
      attempts: n,
      successes,
      failures: successes < n ? { timeout: n - successes } : {},
      latencyMs: { p50: 10, p95: 80, p99: spec.p99Ms ?? 80, max: spec.p99Ms ?? 80 },
      latencyHistogram: hist.toSparse(),
    });
    const t = at(s) + 500;
    if (spec.primary) {
      const lagMs = s === 15 ? spec.primary.lagMs : 0;
      const shown = (t >= at(10) && t < at(10) + spec.primary.downMs ? at(10) : t - 100) - lagMs;
      events.push({ kind: 'staleness', reader: 'b-db', via: 'sql', link: 'b-db-admin', heartbeatAt: shown, stalenessMs: t - shown, lagMs, unreachable: false, t });
    } else {
      const stale = s === 15 ? (spec.stalenessPeakMs ?? 3000) : 200;
      events.push({ kind: 'staleness', reader: 'b-db', via: 'sql', link: 'b-db-admin', heartbeatAt: t - stale, stalenessMs: stale, unreachable: false, t });
    }
  }
  for (const e of events.sort((x, y) => x.t! - y.t!)) h.record(e);
  return h;
}

function verdicts(spec: RunSpec, faultId: string): Verdict[] {
  const measured = spec.rtoMeasuredMs ?? 4000;
  const lost = Array.from({ length: spec.lost ?? 0 }, (_, i) => ({ writeId: `w-${i}`, fn: 'clinical-note', resourceType: 'DocumentReference', resourceId: `doc-${i}`, acknowledgedAt: at(9) }));
  return [
    {
      checker: 'journal-lookup recovers',
      status: 'pass',
      summary: 'pass: 0 fail, 0 unknown, 1 pass of 1',
      children: [{ checker: 'rto', status: 'pass', summary: 'journal-lookup after site-power: recovered', details: { fn: 'journal-lookup', fault: 'site-power', faultId, rtoMs: 1000 + measured, rtoSplit: { scriptedMs: 60_000, measuredMs: measured } } }],
    },
    { checker: 'lookups stay up', status: spec.lookupCheck ?? 'pass', summary: spec.lookupCheck === 'fail' ? 'journal-lookup 80.00 % < 99.00 % in fault' : 'journal-lookup 99.90 % in fault' },
    { checker: 'lost writes', status: 'pass', summary: `${spec.lost ?? 0} lost`, details: { attempted: 40, present: 40, counts: { kept: 40 - lost.length, lost: lost.length }, lost, duplicates: [], writes: [] } },
  ];
}

let faultSequence = 0;

async function journal(root: string, runId: string, spec: RunSpec = {}): Promise<string> {
  const faultId = `site-power#${++faultSequence}`;
  const provenance = fakeProvenance(T0);
  if (spec.harnessSha) provenance.harness.commit = { sha: spec.harnessSha, dirty: false };
  return writeJournal(
    { experiment: spec.experiment ?? 'Site A power cut', status: 'completed', runId, verdicts: verdicts(spec, faultId), history: history(spec, faultId), seed: 1, definition: referenceStack({ replication: spec.replication ?? 'async' }), provenance },
    root,
  );
}

const row = (c: Comparison, measure: string) => c.experiments.flatMap((e) => e.rows).find((r) => r.measure === measure);

describe('compare: two releases from their journals alone', () => {
  let root: string;
  beforeEach(async () => {
    root = await mkdtemp(path.join(tmpdir(), 'epj-chaos-compare-'));
  });
  afterEach(async () => {
    await rm(root, { recursive: true, force: true });
  });

  it('two single runs of the same release: no regression, "single runs: no noise estimate", every measure compared', async () => {
    const a = await journal(path.join(root, 'A'), 'a1');
    const b = await journal(path.join(root, 'B'), 'b1', { rtoMeasuredMs: 4100, p99Ms: 82, stalenessPeakMs: 3100 });
    const c = await compareTargets(path.dirname(a), b);
    expect(regressions(c)).to.deep.equal([]);
    const e = c.experiments[0]!;
    expect(e.noise).to.contain('single runs: no noise estimate');
    expect(e.caveats).to.deep.equal([]);
    const measures = e.rows.map((r) => r.measure);
    for (const m of ['check “lookups stay up”', 'RTO journal-lookup after site-power (step power): measured part', 'RTO journal-lookup after site-power (step power): scripted part', 'availability journal-lookup in fault', 'latency p99 journal-lookup in steady state', 'latency p50 journal-lookup in steady state', 'peak staleness b-db (sql)', 'lost writes', 'duration of failover']) {
      expect(measures, m).to.include(m);
    }
    expect(row(c, 'RTO journal-lookup after site-power (step power): measured part')!.judgement).to.equal('within noise');
  });

  it('three repeats per side of the same release, with run-to-run jitter: within noise (medians and spreads)', async () => {
    const jitter = [
      [3800, 99, 76, 2600],
      [4400, 97, 88, 3500],
      [4000, 100, 80, 3000],
    ] as const;
    for (const [k, [rto, ok, p99, stale]] of jitter.entries()) {
      await journal(path.join(root, 'A'), `a${k}`, { rtoMeasuredMs: rto, faultSuccesses: ok, p99Ms: p99, stalenessPeakMs: stale });
      await journal(path.join(root, 'B'), `b${k}`, { rtoMeasuredMs: rto + 300 * (k - 1), faultSuccesses: ok, p99Ms: p99 + 5, stalenessPeakMs: stale + 200 });
    }
    const c = await compareTargets(path.join(root, 'A'), path.join(root, 'B'));
    expect(c.a.journals).to.have.length(3);
    expect(regressions(c)).to.deep.equal([]);
    const e = c.experiments[0]!;
    expect(e.runs).to.deep.equal({ a: 3, b: 3 });
    expect(e.noise).to.contain('3 runs of A, 3 of B');
    expect(row(c, 'RTO journal-lookup after site-power (step power): measured part')!.a).to.match(/^4\.0 s \(3\.8 s\.\.4\.4 s, 3 runs\)$/);
  });

  it('a transition is compared in neither its phase nor the whole run: its length is the step\'s (a restart under a busy core), not the release\'s', async () => {
    // the same release twice; the database's restart took longer in the second run, so more of its attempts failed
    const a = await journal(path.join(root, 'A'), 'a1', { transitionSuccesses: 90 });
    const b = await journal(path.join(root, 'B'), 'b1', { transitionSuccesses: 5 });
    const c = await compareTargets(a, b);
    expect(regressions(c)).to.deep.equal([]);
    const measures = c.experiments[0]!.rows.map((r) => r.measure);
    expect(measures).to.not.include('availability journal-lookup in taking hold');
    expect(row(c, 'availability journal-lookup over the whole run')!.a).to.equal('100.00 %');
    // a release that fails outside the transition is still worse
    const worse = await journal(path.join(root, 'C'), 'c1', { transitionSuccesses: 90, faultSuccesses: 80 });
    expect(regressions(await compareTargets(a, worse)).map((r) => r.measure)).to.include('availability journal-lookup over the whole run');
  });

  it('a replica is judged by its lag behind the primary, not by staleness the primary\'s own restart made', async () => {
    // the same release twice; the primary's restart took 2 s longer in the second run, so no heartbeat was written
    // for that long and the replica's staleness grew with it, though it showed everything the primary had taken
    const a = await journal(path.join(root, 'A'), 'a1', { primary: { downMs: 800, lagMs: 0 } });
    const b = await journal(path.join(root, 'B'), 'b1', { primary: { downMs: 2800, lagMs: 0 } });
    const c = await compareTargets(a, b);
    expect(regressions(c)).to.deep.equal([]);
    const lag = row(c, 'peak lag b-db (sql) behind the primary')!;
    expect([lag.a, lag.b]).to.deep.equal(['0 ms', '0 ms']);
    expect(c.experiments[0]!.rows.map((r) => r.measure)).to.not.include('peak staleness b-db (sql)');
    // a replica that fell 3 s behind what the primary took is worse
    const behind = await journal(path.join(root, 'C'), 'c1', { primary: { downMs: 800, lagMs: 3000 } });
    const worse = regressions(await compareTargets(a, behind));
    expect(worse.map((r) => `${r.measure}: ${r.delta}`)).to.deep.equal(['peak lag b-db (sql) behind the primary: +3.0 s']);
  });

  it('a planted regression (longer RTO, lower availability, a failed check) is worse, naming the check and the delta', async () => {
    const a = await journal(path.join(root, 'A'), 'a1');
    const b = await journal(path.join(root, 'B'), 'b1', { rtoMeasuredMs: 9000, faultSuccesses: 80, lookupCheck: 'fail', failoverMs: 4000 });
    const c = await compareTargets(a, b);
    const worse = regressions(c);
    const names = worse.map((r) => r.measure);
    expect(names[0]).to.equal('check “lookups stay up”');
    expect(worse[0]!.delta).to.equal('pass → fail');
    expect(worse[0]!.note).to.contain('80.00 %');
    const rto = worse.find((r) => r.measure === 'RTO journal-lookup after site-power (step power): measured part')!;
    expect(rto.delta).to.equal('+5.0 s (+125 %)');
    const avail = worse.find((r) => r.measure === 'availability journal-lookup in fault')!;
    expect(avail.delta).to.equal('−20.00 pp');
    expect(names).to.include('availability journal-lookup over the whole run');
    // a failover that got slower is named by its action, with the delta
    expect(worse.find((r) => r.measure === 'duration of failover')!.delta).to.equal('+2.8 s (+233 %)');
    // the scripted part and the latency did not move
    expect(row(c, 'RTO journal-lookup after site-power (step power): scripted part')!.judgement).to.equal('within noise');
    expect(row(c, 'latency p99 journal-lookup in steady state')!.judgement).to.equal('within noise');
  });

  it('an availability a point lower is within counting noise when the counts do not rule out chance', async () => {
    // 1 000 attempts in the fault phase each: 10 failed against 20 — over the floor (0.5 pp), not beyond chance
    const a = await journal(path.join(root, 'A'), 'a1', { faultSuccesses: 99 });
    const b = await journal(path.join(root, 'B'), 'b1', { faultSuccesses: 98 });
    const c = await compareTargets(a, b);
    const r = row(c, 'availability journal-lookup in fault')!;
    expect(r.judgement).to.equal('within noise');
    expect(r.note).to.equal('within counting noise: 10 of 1000 attempts failed against 20 of 1000');
    // ten times as many failures is not chance
    const worse = await journal(path.join(root, 'C'), 'c1', { faultSuccesses: 90 });
    expect(row(await compareTargets(a, worse), 'availability journal-lookup in fault')!.judgement).to.equal('worse');
  });

  it('a percentile over too few attempts is not judged: 3 a second through the 10-s steady state is 30, a p99 needs 500', async () => {
    const a = await journal(path.join(root, 'A'), 'a1', { attemptsPerSecond: 3, p99Ms: 80 });
    const b = await journal(path.join(root, 'B'), 'b1', { attemptsPerSecond: 3, p99Ms: 400 });
    const c = await compareTargets(a, b);
    const p99 = row(c, 'latency p99 journal-lookup in steady state')!;
    expect(p99.judgement).to.equal('not judged');
    expect(p99.note).to.equal('too few attempts for a p99: 30 in a run, at least 500 needed');
    expect(regressions(c).map((r) => r.measure)).to.not.include('latency p99 journal-lookup in steady state');
    // a p50 needs 10: judged
    expect(row(c, 'latency p50 journal-lookup in steady state')!.judgement).to.not.equal('not judged');
  });

  it('latency is compared in steady state: an outage that held lookups 0.6 s longer is not a slower release', async () => {
    // the same release twice: under the fault the slowest lookups waited out the outage, 1.3 s in one run, 1.9 s in the other
    const a = await journal(path.join(root, 'A'), 'a1', { faultP99Ms: 1300 });
    const b = await journal(path.join(root, 'B'), 'b1', { faultP99Ms: 1900 });
    const c = await compareTargets(a, b);
    expect(regressions(c)).to.deep.equal([]);
    expect(row(c, 'latency p99 journal-lookup in steady state')!.a).to.equal(row(c, 'latency p99 journal-lookup in steady state')!.b);
    // a release slower in steady state is worse
    const slower = await journal(path.join(root, 'C'), 'c1', { p99Ms: 400 });
    expect(row(await compareTargets(a, slower), 'latency p99 journal-lookup in steady state')!.judgement).to.equal('worse');
  });

  it('an availability lower by an outage 0.3 s longer is within its run-to-run spread, though beyond counting noise', async () => {
    // 1 000 attempts in the 10-s fault phase each: none failed against 30 — 0.3 s of the function's service
    const a = await journal(path.join(root, 'A'), 'a1', { faultSuccesses: 100 });
    const b = await journal(path.join(root, 'B'), 'b1', { faultSuccesses: 97 });
    const r = row(await compareTargets(a, b), 'availability journal-lookup in fault')!;
    expect(r.judgement).to.equal('within noise');
    expect(r.note).to.equal("within an outage's run-to-run spread: its failures cost 0.00 s of the function's service in A, 0.30 s in B (a lower availability counts only when its failures cost at least 20 % and 0.5 s more of the function’s service)");
    // 1.5 s of it is a regression
    const worse = await journal(path.join(root, 'C'), 'c1', { faultSuccesses: 85 });
    expect(row(await compareTargets(a, worse), 'availability journal-lookup in fault')!.judgement).to.equal('worse');
    // before anything was done, failures are the release's own: 40 of 1000 (0.4 s of service) in the baseline is worse
    const steadyErrors = await journal(path.join(root, 'D'), 'd1', { baselineSuccesses: 96 });
    expect(row(await compareTargets(a, steadyErrors), 'availability journal-lookup in baseline')!.judgement).to.equal('worse');
  });

  it('the run is first disturbed where a fault or action was due, took effect, or its onset opened a phase', () => {
    expect(firstDisturbance([{ kind: 'phase', t: 5 }, { kind: 'note', t: 6 }])).to.equal(Infinity);
    // a fault taking hold (the onset phase) before its applied instant
    expect(firstDisturbance([{ kind: 'phase', t: 5 }, { kind: 'phase', t: 10, onset: true }, { kind: 'fault', stage: 'applied', t: 12 }, { kind: 'fault', stage: 'scheduled', t: 11 }])).to.equal(10);
    expect(firstDisturbance([{ kind: 'action', stage: 'completed', t: 3 }, { kind: 'action', stage: 'scheduled', t: 7 }, { kind: 'fault', stage: 'healed', t: 1 }])).to.equal(7);
  });

  it('a difference under the floor is within noise even with single runs (RTO +15 %, p99 +15 ms)', async () => {
    const a = await journal(path.join(root, 'A'), 'a1', { rtoMeasuredMs: 4000, p99Ms: 100 });
    const b = await journal(path.join(root, 'B'), 'b1', { rtoMeasuredMs: 4600, p99Ms: 115 });
    const c = await compareTargets(a, b);
    expect(regressions(c)).to.deep.equal([]);
  });

  it('lost writes: under async one more lost write is not a regression (not judged); under remote_apply it is', async () => {
    const aa = await journal(path.join(root, 'async-A'), 'a1', { lost: 0 });
    const ab = await journal(path.join(root, 'async-B'), 'b1', { lost: 1 });
    const asyncC = await compareTargets(aa, ab);
    expect(regressions(asyncC)).to.deep.equal([]);
    const lw = row(asyncC, 'lost writes')!;
    expect(lw.judgement).to.equal('not judged');
    expect(lw.note).to.contain('asynchronous replication');
    expect(lw.delta).to.equal('+1');

    const sa = await journal(path.join(root, 'sync-A'), 'a1', { lost: 0, replication: 'remote_apply' });
    const sb = await journal(path.join(root, 'sync-B'), 'b1', { lost: 1, replication: 'remote_apply' });
    const syncC = await compareTargets(sa, sb);
    expect(regressions(syncC).map((r) => r.measure)).to.deep.equal(['lost writes']);
    expect(row(syncC, 'lost writes')!.note).to.contain('remote_apply');
  });

  it('a harness that changed between the runs is a caveat; other stack images are not', async () => {
    const a = await journal(path.join(root, 'A'), 'a1');
    const b = await journal(path.join(root, 'B'), 'b1', { harnessSha: 'c'.repeat(40) });
    const c = await compareTargets(a, b);
    expect(c.experiments[0]!.caveats).to.deep.equal([`the harness itself changed between the runs: harness commit ${'a'.repeat(10)} → ${'c'.repeat(10)}`]);
  });

  it('experiments on one side only are listed; no experiment in common is an InvalidInputError naming both', async () => {
    await journal(path.join(root, 'A'), 'a1');
    await journal(path.join(root, 'A'), 'a2', { experiment: 'WAN cut' });
    await journal(path.join(root, 'B'), 'b1');
    const c = await compareTargets(path.join(root, 'A'), path.join(root, 'B'));
    expect(c.onlyA).to.deep.equal(['WAN cut']);
    expect(c.experiments.map((e) => e.experiment)).to.deep.equal(['Site A power cut']);

    const other = await journal(path.join(root, 'C'), 'c1', { experiment: 'Core switch' });
    const err = await compareTargets(path.join(root, 'B'), other).catch((e: unknown) => e);
    expect(err).to.be.instanceOf(InvalidInputError);
    expect((err as Error).message).to.contain('no experiment in common').and.contain('“Core switch”').and.contain('“Site A power cut”');
  });

  it('bad input: a journal of schema version 2, a directory without a journal → InvalidInputError naming it', async () => {
    const a = await journal(path.join(root, 'A'), 'a1');
    const b = await journal(path.join(root, 'B'), 'b1');
    const doc = JSON.parse(await readFile(b, 'utf8')) as { schemaVersion: number };
    doc.schemaVersion = 2;
    await writeFile(b, JSON.stringify(doc));
    const v2 = await compareTargets(a, b).catch((e: unknown) => e);
    expect(v2).to.be.instanceOf(InvalidInputError);
    expect((v2 as Error).message).to.contain(b).and.contain('schemaVersion 2');

    const empty = path.join(root, 'empty');
    await mkdir(empty);
    const none = await compareTargets(a, empty).catch((e: unknown) => e);
    expect(none).to.be.instanceOf(InvalidInputError);
    expect((none as Error).message).to.contain(empty).and.contain('holds no journal');
  });

  it('the CLI end to end (no Docker): exit 1 on a regression with the three files written; exit 0 without; exit 2 on bad input', async function () {
    this.timeout(30_000);
    const a = await journal(path.join(root, 'A'), 'a1');
    const b = await journal(path.join(root, 'B'), 'b1', { rtoMeasuredMs: 9000, lookupCheck: 'fail' });
    const same = await journal(path.join(root, 'same'), 's1');
    const out = path.join(root, 'out');
    const r = await runCli(['compare', path.dirname(a), path.dirname(b), '--out', out], NO_DOCKER);
    expect(r.code, r.stderr).to.equal(1);
    const lines = r.stdout.split('\n');
    expect(lines[1]).to.equal('REGRESSIONS (2):');
    expect(lines[2]).to.contain('lookups stay up').and.contain('pass → fail');
    expect(r.stdout).to.contain('single runs: no noise estimate');

    const html = await readFile(path.join(out, 'compare.html'), 'utf8');
    expect(html).to.not.match(/https?:\/\//);
    expect(html).to.not.contain('<script');
    expect(html).to.contain('✖ worse').and.contain('+5.0 s (+125 %)');
    const md = await readFile(path.join(out, 'compare.md'), 'utf8');
    expect(md).to.contain('**2 regression(s):**').and.contain('| RTO journal-lookup after site-power (step power): measured part |');
    const xml = await readFile(path.join(out, 'compare.xml'), 'utf8');
    expect(XMLValidator.validate(xml)).to.equal(true);
    const doc = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '@' }).parse(xml) as { testsuites: { testsuite: { testcase: { '@name': string; failure?: { '@message': string } }[] } } };
    const cases = doc.testsuites.testsuite.testcase;
    const failures = cases.filter((x) => x.failure);
    expect(cases.length).to.be.greaterThan(8);
    expect(failures.map((x) => x['@name'])).to.deep.equal(['check “lookups stay up”', 'RTO journal-lookup after site-power (step power): measured part']);
    expect(failures[1]!.failure!['@message']).to.contain('+5.0 s (+125 %)');

    const ok = await runCli(['compare', a, same, '--out', path.join(root, 'out-ok')], NO_DOCKER);
    expect(ok.code, ok.stderr).to.equal(0);
    expect(ok.stdout).to.contain('no regression');

    const bad = await runCli(['compare', a, path.join(root, 'nowhere'), '--out', path.join(root, 'out-bad')], NO_DOCKER);
    expect(bad.code).to.equal(2);
    expect(bad.stderr).to.contain(path.join(root, 'nowhere'));
  });
});
