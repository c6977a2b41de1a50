import { expect } from 'chai';
import { failover } from '../../harness/actions/index.js';
import {
  appliedFaults,
  availabilityByPhase,
  checkLostWrites,
  compareWithExpectedLoss,
  expectedLossWindow,
  lostWritesVerdict,
  rtoByFault,
  type PhaseAvailability,
} from '../../harness/checkers/index.js';
import { FaultInjector } from '../../harness/faults/injector.js';
import { FhirClient } from '../../harness/fhir/client.js';
import { CPR_SYSTEM } from '../../harness/fhir/synthetic-cpr.js';
import { History } from '../../harness/history/history.js';
import { gapAtInstant, lagMsOf, startReplicationProbe } from '../../harness/probes/replication-lag.js';
import type { RunContext } from '../../harness/run-context.js';
import { CLINICAL_FUNCTIONS, type ClinicalFunction } from '../../harness/stack/definition.js';
import { referenceStack } from '../../harness/stack/reference-stack.js';
import type { StartedStack } from '../../harness/stack/started-stack.js';
import { upStack } from '../../harness/stack/up.js';
import { pollUntil, sleep } from '../../harness/stack/wait/poll.js';
import { Timeline } from '../../harness/timeline/timeline.js';
import { defaultProfile, onlyFunctions, readBack, runLoad, seedPatients, WRITE_FUNCTIONS, type SeededPatient } from '../../harness/workload/index.js';
import { NOTHING, runObjects } from '../support/docker-objects.js';

/**
 * The measurements of docs/measurements.md against a real two-site stack and real epj-load traffic: availability per phase,
 * RTO of an outage of known length, and lost writes after a failover (async loses what the replication gap says).
 * That remote_apply loses nothing is the library's failover drill (experiments/failover-drill.experiment.ts: the
 * same loss of site A under writes and failover, on a remote_apply stack). Figures are printed so the report can
 * quote them.
 */

const PATIENTS = 300;
const WRITE_FNS = WRITE_FUNCTIONS as ClinicalFunction[];

async function seeded(stack: StartedStack): Promise<SeededPatient[]> {
  const patients = await seedPatients(stack.functionUrl('admission'), { patients: PATIENTS });
  // Opslags-EPJ reads the replica: the read-only lookups need the patients there too
  const lookup = new FhirClient(stack.functionUrl('read-only-lookup'));
  const last = patients.at(-1)!;
  await pollUntil('seeded patients at Opslags-EPJ', async () => (await lookup.search('Patient', { identifier: `${CPR_SYSTEM}|${last.cpr}` })).length === 1, {
    timeoutMs: 30_000,
    intervalMs: 100,
  });
  return patients;
}

async function tearDown(stack: StartedStack | undefined, injector?: FaultInjector) {
  if (injector) await injector.close().catch((err: unknown) => console.log(`      heal failed: ${String(err)}`));
  if (!stack) return;
  await stack.down();
  expect(await runObjects(stack.runId)).to.deep.equal(NOTHING);
}

/** Waits until `offsetMs` before the next whole second, so that phase marks fall just before bucket boundaries. */
async function alignToSecond(offsetMs = 100): Promise<void> {
  const wait = (1000 - (Date.now() % 1000) - offsetMs + 1000) % 1000;
  await sleep(wait);
}

/** Runs a step of a test and names it in any error (which of several Toxiproxy/Docker calls failed). */
async function step<T>(name: string, body: () => Promise<T>): Promise<T> {
  try {
    return await body();
  } catch (err) {
    if (err instanceof Error) err.message = `${name}: ${err.message}`;
    throw err;
  }
}

const pct = (x: number | null | undefined) => (x === null || x === undefined ? 'n/a' : `${(100 * x).toFixed(2)} %`);

/**
 * Writes flow at the default rates with `latencyMs` on the replication link and the probe sampling; then site A
 * loses power — the WAN goes with it (without the cut, the WAL that Toxiproxy's latency toxic holds in flight is
 * still delivered to b-db after a-db died, and nothing is lost: measured 0 of 128 at risk) — and the load stops
 * 1.5 s later. Then failover to B, and read every attempted write back through the front door (now at B).
 */
async function killSiteAUnderWrites(stack: StartedStack, patients: SeededPatient[], latencyMs: number, seed: number) {
  const history = new History();
  const ctx: RunContext = { stack, history };
  const injector = new FaultInjector(ctx);
  const probe = startReplicationProbe(ctx, { intervalMs: 250 });
  let killedAt: number;
  let deadBy: number;
  try {
    await sleep(1000);
    await step('inject replication-lag', () => injector.inject({ kind: 'replication-lag', latencyMs }));
    const stopLoad = new AbortController();
    const load = runLoad({ stack, history, patients, durationMs: 0, signal: stopLoad.signal, seed, profile: onlyFunctions(defaultProfile, WRITE_FNS) });
    await sleep(6000);
    await step('cut the WAN', () => injector.inject({ kind: 'wan-cut' }));
    const kill = await step('kill site A', () => injector.inject({ kind: 'container-kill', target: { site: 'a' } }));
    killedAt = appliedFaults(history).find((f) => f.id === kill.id)!.t;
    deadBy = kill.heldFrom!; // the kill is issued at killedAt; site A may still acknowledge until its death
    await sleep(1500);
    stopLoad.abort();
    await load;
  } finally {
    await probe.stop();
  }
  const sample = gapAtInstant(history, killedAt, 'b_db');
  await step('failover', () => failover().run(ctx));
  const byType: Record<string, string[]> = {};
  for (const w of history.ofKind('write')) (byType[w.resourceType] ??= []).push(w.writeId);
  const present = await step('read back', () => readBack(stack.functionUrl('clinical-note'), byType));
  return { history, injector, probe, killedAt, deadBy: deadBy!, sample, present };
}

function printPhases(phases: PhaseAvailability[]) {
  for (const p of phases) {
    const cells = p.functions.map((f) => {
      const causes = Object.entries(f.failures).map(([cause, n]) => `${cause} ${n}`);
      return `${f.fn} ${pct(f.availability)} (${f.successes}/${f.attempts}${causes.length ? `; ${causes.join(', ')}` : ''})`;
    });
    console.log(`      ${p.name.padEnd(9)} ${(p.end - p.start).toString().padStart(5)} ms: ${cells.join(', ')}`);
  }
}

describe('measurements on the async reference stack', function () {
  this.timeout(300_000);
  let stack: StartedStack;
  let patients: SeededPatient[];
  let injector: FaultInjector | undefined;

  before(async () => {
    stack = await upStack(referenceStack());
    patients = await seeded(stack);
  });
  after(() => tearDown(stack, injector));

  it('blackholing the EPJ front door drops write availability to ~0 in the fault phase; Opslags-EPJ stays ≥ 99 %', async () => {
    const history = new History();
    const ctx: RunContext = { stack, history };
    const inj = new FaultInjector(ctx);
    try {
      // A request still in flight when the blackhole takes hold loses its answer although it started before: it
      // fails in whatever phase holds its start. The last half second before the fault is therefore its own phase
      // and not judged — the baseline is every attempt that had 500 ms to finish before the fault.
      const timeline = Timeline.plan([
        { at: 0, phase: 'baseline' },
        { at: 2500, phase: 'just before the fault' },
        { at: 3000, phase: 'fault', inject: { name: 'front', kind: 'blackhole', target: { links: ['epj-front'] } } },
        { at: 7000, phase: 'recovery', heal: 'front' },
      ]);
      const load = runLoad({ stack, history, patients, durationMs: 12_500, seed: 12 });
      await sleep(300);
      await alignToSecond();
      await timeline.run(inj);
      await load;
    } finally {
      await inj.close();
    }
    const report = availabilityByPhase(history);
    printPhases(report.phases);
    const phase = (name: string) => report.phases.find((p) => p.name === name)!;
    const of = (p: PhaseAvailability, fn: ClinicalFunction) => p.functions.find((f) => f.fn === fn)!;
    const faultFrom = phase('just before the fault').end; // the fault's first effect ('taking hold' may follow)
    const caught = history.ofKind('write').filter((w) => w.start! < faultFrom && w.t >= faultFrom);
    console.log(
      `      writes in flight when the blackhole took hold: ${caught.map((w) => `${w.fn} started ${Math.round(faultFrom - w.start!)} ms before, ${w.outcome}`).join('; ') || 'none'}`,
    );

    for (const fn of CLINICAL_FUNCTIONS) expect(of(phase('baseline'), fn).availability, `baseline ${fn}`).to.be.at.least(0.99);
    for (const fn of [...WRITE_FNS, 'journal-lookup' as const]) {
      const a = of(phase('fault'), fn);
      expect(a.attempts, `fault ${fn} attempts`).to.be.above(0);
      expect(a.availability, `fault ${fn}`).to.be.at.most(0.05);
      expect(a.failures.timeout ?? 0, `fault ${fn} timeouts`).to.be.above(0);
    }
    expect(of(phase('fault'), 'read-only-lookup').availability, 'fault read-only-lookup').to.be.at.least(0.99);
    expect(of(phase('recovery'), 'read-only-lookup').availability, 'recovery read-only-lookup').to.be.at.least(0.99);
    const rec = of(phase('recovery'), 'clinical-note');
    console.log(`      clinical-note failures in the recovery phase: ${JSON.stringify(rec.failures)}`);
    // the last 3 s of the run: every function back
    const lastBuckets = history.ofKind('requests').filter((b) => b.bucket >= history.ofKind('phase').at(-1)!.t + 2000);
    for (const fn of CLINICAL_FUNCTIONS) {
      const mine = lastBuckets.filter((b) => b.fn === fn);
      const ok = mine.reduce((n, b) => n + b.successes, 0);
      const all = mine.reduce((n, b) => n + b.attempts, 0);
      expect(ok / all, `${fn} in the last seconds`).to.be.at.least(0.99);
    }
  });

  for (const cfg of [
    { timeoutMs: 2000, bucketWidthMs: 1000, label: 'default attempt timeout 2 s, 1-s buckets' },
    { timeoutMs: 400, bucketWidthMs: 250, label: 'attempt timeout 400 ms, 250-ms buckets' },
  ]) {
    it(`measures the RTO of a 3000-ms front-door blackhole for clinical-note (${cfg.label})`, async () => {
      const D = 3000;
      const history = new History();
      const ctx: RunContext = { stack, history };
      const inj = new FaultInjector(ctx);
      try {
        const timeline = Timeline.plan([
          { at: 0, phase: 'baseline' },
          { at: 2000, phase: 'fault', inject: { name: 'front', kind: 'blackhole', target: { links: ['epj-front'] } } },
          { at: 2000 + D, phase: 'recovery', heal: 'front' },
        ]);
        const load = runLoad({
          stack,
          history,
          patients,
          durationMs: 2000 + D + 8000,
          seed: 13,
          profile: onlyFunctions(defaultProfile, ['clinical-note', 'journal-lookup', 'read-only-lookup']),
          timeoutMs: cfg.timeoutMs,
          bucketWidthMs: cfg.bucketWidthMs,
        });
        await sleep(300);
        await timeline.run(inj);
        await load;
      } finally {
        await inj.close();
      }
      const faults = history.ofKind('fault');
      const applied = faults.find((f) => f.stage === 'applied')!;
      const healed = faults.find((f) => f.stage === 'healed')!;
      const trueOutage = healed.t - applied.t;
      const [r] = rtoByFault(history, { functions: ['clinical-note'], holdMs: 3000 });
      const rj = rtoByFault(history, { functions: ['journal-lookup'], holdMs: 3000 })[0]!;
      console.log(
        `      true outage (applied→healed) ${trueOutage} ms; clinical-note RTO ${r!.rtoMs} ms (error ${r!.rtoMs! - trueOutage} ms, ` +
          `impact after ${r!.timeToImpactMs} ms, ${r!.badBuckets} bad buckets); journal-lookup RTO ${rj.rtoMs} ms (error ${rj.rtoMs! - trueOutage} ms)`,
      );
      // the fault first: a blackhole that took seconds to apply (a paused machine) leaves no outage to measure
      expect(trueOutage, `the blackhole's outage, applied (skew ${applied.skewMs} ms) → healed`).to.be.within(D - 50, D + 300);
      expect(r!.status).to.equal('recovered');
      // Removing the blackhole resets the connections it held (cause 'reset'), so attempts caught in the outage fail
      // at the heal, not at their own timeout: the timeout does not bias the RTO. Recovery is placed at the first
      // success of the first good bucket, so the error is between 0 and one bucket (plus latency and timer skew).
      expect(r!.rtoMs! - trueOutage).to.be.within(-100, cfg.bucketWidthMs + 300);
    });
  }

  it('async replication: a hard kill of site A loses writes, all inside the window the replication gap predicts', async () => {
    const run = await killSiteAUnderWrites(stack, patients, 1500, 14);
    injector = run.injector;
    const { history, probe, killedAt, deadBy, sample, present } = run;

    const lagEvents = history.ofKind('lag');
    const notes = history.ofKind('note').map((n) => n.message);
    console.log(`      probe: ${probe.samples} samples, ${probe.errors} failed ticks; notes: ${notes.join(' | ')}`);
    console.log(`      gap at the kill: ${JSON.stringify(sample)} (${killedAt - (sample?.t ?? NaN)} ms before the kill)`);
    expect(lagEvents.length).to.be.above(20);
    expect(lagEvents.some((e) => e.state === 'streaming' && e.bytes !== null)).to.equal(true);
    expect(notes.filter((m) => /unreachable/.test(m))).to.have.length(1);
    expect(sample?.state).to.equal('streaming');
    const lagMs = lagMsOf(sample);
    expect(lagMs, 'the sample at the kill has a lag in ms').to.be.a('number');
    expect(sample!.bytes).to.be.above(0);

    const result = checkLostWrites(history, present);
    const verdict = lostWritesVerdict(history, present);
    const expected = expectedLossWindow(history, deadBy, deadBy - killedAt + lagMs!);
    const cmp = compareWithExpectedLoss(result, expected);
    const ackTimes = result.lost.map((l) => killedAt - l.acknowledgedAt);
    console.log(`      ${verdict.summary}`);
    console.log(`      counts ${JSON.stringify(result.counts)}; lost by function ${JSON.stringify(result.lostByFunction)}`);
    console.log(
      `      lost ${result.lost.length} vs predicted ${expected.length} (lag ${lagMs} ms, ${sample!.bytes} bytes): ` +
        `${cmp.lostAsPredicted.length} as predicted, ${cmp.lostOutsidePrediction.length} outside, ${cmp.predictedButNotLost.length} predicted but kept; ` +
        `lost writes acknowledged ${Math.min(...ackTimes)}–${Math.max(...ackTimes)} ms before the kill`,
    );
    expect(verdict.status).to.equal('fail');
    expect(result.lost.length).to.be.above(0);
    expect(cmp.lostOutsidePrediction, 'lost writes older than the gap explains').to.deep.equal([]);
    expect(result.counts.unexpected).to.equal(0);
    expect(result.counts.mismatched).to.equal(0);
    expect(result.counts['failed-but-present']).to.equal(0);
    expect(result.duplicates).to.deep.equal([]);
  });
});
