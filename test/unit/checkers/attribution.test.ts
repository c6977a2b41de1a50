import { expect } from 'chai';
import { availabilityByPhase, availabilityRange, availabilityVerdict } from '../../../harness/checkers/availability.js';
import { appliedFaults, rtoOf, rtoVerdict } from '../../../harness/checkers/rto.js';
import { steadyStateVerdict } from '../../../harness/checkers/steady-state.js';
import { Clock } from '../../../harness/history/clock.js';
import { History } from '../../../harness/history/history.js';
import type { ClinicalFunction } from '../../../harness/stack/definition.js';
import { BucketAggregator } from '../../../harness/workload/buckets.js';
import { T0, at } from './fixtures.js';

/**
 * Exact attribution, end to end through the workload's aggregator: attempts arrive at an open model's slots, an
 * outage starts and ends in the middle of 1-s buckets, and every count per phase must be exactly the attempts that
 * STARTED in it — at any time scale, where one bucket can be ten scenario minutes.
 */
interface Sim {
  history: History;
  /** the arrival slots, epoch ms */
  slots: number[];
  outage: { from: number; to: number };
}

function simulate(opts: { scale: number; rate?: number; fn?: ClinicalFunction; edgesKnown?: boolean; seconds?: number; onset?: boolean; caughtInFlight?: boolean; anchored?: boolean }): Sim {
  const rate = opts.rate ?? 10;
  const fn = opts.fn ?? 'referral';
  const seconds = opts.seconds ?? 30;
  const history = new History(new Clock(opts.scale, T0));
  // the outage starts 437 ms into second 10 and ends 611 ms into second 20
  const outage = { from: at(10.437), to: at(20.611) };
  const agg = new BucketAggregator({ emit: (b) => history.record({ kind: 'requests', t: b.bucket, ...b }) });
  history.record({ kind: 'load', stage: 'started', rates: { [fn]: rate }, timeoutMs: 2000, t: T0 });
  const phases: [string, number][] = [
    ['baseline', T0],
    ['outage', outage.from],
    ['recovery', outage.to],
  ];
  for (const [name, t] of phases) {
    history.record({ kind: 'phase', name, t, ...(opts.anchored ? { anchored: true as const } : {}) });
    if (opts.edgesKnown !== false) agg.addEdge(t, opts.onset === true && name === 'outage');
  }
  history.record({ kind: 'fault', id: 'blackhole#1', fault: 'blackhole', stage: 'applied', target: 'epj-front', t: outage.from });
  history.record({ kind: 'fault', id: 'blackhole#1', fault: 'blackhole', stage: 'healed', target: 'epj-front', t: outage.to });
  const slots: number[] = [];
  for (let n = 0; ; n++) {
    const start = T0 + ((n + 1) * 1000) / rate + 0.25; // slots are fractional ms, like epj-load's
    if (start >= at(seconds)) break;
    slots.push(start);
    // caughtInFlight: an attempt started in the last 50 ms before the outage is still in flight when it begins
    const down = start >= outage.from - (opts.caughtInFlight ? 50 : 0) && start < outage.to;
    // a failed attempt hangs until its 2-s timeout: it completes long after it started, in a later bucket
    agg.add({ start, fn, ok: !down, latencyMs: down ? 2000 : 5, cause: down ? 'timeout' : null });
    agg.flushDue(start - 5000);
  }
  agg.flushAll();
  history.record({ kind: 'load', stage: 'stopped', rates: { [fn]: rate }, timeoutMs: 2000, slots: { [fn]: { first: slots[0]!, last: slots.at(-1)! } }, t: at(seconds) });
  return { history, slots, outage };
}

const count = (slots: number[], from: number, to: number) => slots.filter((s) => s >= from && s < to).length;

describe('checkers: exact attribution across a bucket that straddles a phase edge', () => {
  it("leaves a baseline attempt the outage's onset caught in flight to the outage, and says so", () => {
    const { history, slots, outage } = simulate({ scale: 60, onset: true, caughtInFlight: true });
    const base = availabilityByPhase(history, { functions: ['referral'] }).phases.find((p) => p.name === 'baseline')!.functions[0]!;
    expect(base.caughtByOnset).to.equal(count(slots, outage.from - 50, outage.from));
    expect(base.attempts).to.equal(count(slots, T0, outage.from - 50));
    expect(base.availability).to.equal(1);
    const v = availabilityVerdict(history, { phases: ['baseline'], threshold: 1 });
    expect(v.status, v.summary).to.equal('pass');
    expect(v.children![0]!.summary).to.match(/1 failed attempt\(s\) still in flight when the next phase's fault took effect/);
    // the same run without the onset marked: that failure is the baseline's
    const plain = simulate({ scale: 60, caughtInFlight: true });
    expect(availabilityVerdict(plain.history, { phases: ['baseline'], threshold: 1 }).status).to.equal('fail');
  });

  for (const scale of [1, 60, 600]) {
    it(`counts each attempt in the phase in which it started, at time scale ${scale}`, () => {
      const { history, slots, outage } = simulate({ scale });
      const report = availabilityByPhase(history, { functions: ['referral'] });
      const byName = Object.fromEntries(report.phases.map((p) => [p.name, p.functions[0]!]));
      expect(byName.baseline!.attempts).to.equal(count(slots, T0, outage.from));
      expect(byName.baseline!.availability).to.equal(1); // not one failure bleeds back from the outage's bucket
      expect(byName.outage!.attempts).to.equal(count(slots, outage.from, outage.to));
      expect(byName.outage!.availability).to.equal(0); // not one success bleeds in from either edge
      expect(byName.recovery!.availability).to.equal(1);
      const outagePhase = report.phases.find((p) => p.name === 'outage')!;
      expect(outagePhase.startScenarioMs).to.equal((outage.from - T0) * scale);
      expect(outagePhase.endScenarioMs).to.equal((outage.to - T0) * scale);
      const v = availabilityVerdict(history, { phases: ['baseline', 'recovery'], threshold: 1 });
      expect(v.status, v.summary).to.equal('pass');
    });

    it(`places impact and recovery at attempts, not bucket edges, at time scale ${scale}`, () => {
      const { history, slots, outage } = simulate({ scale });
      const r = rtoOf(history, appliedFaults(history)[0]!, 'referral', { holdMs: 3000 });
      const firstDown = slots.find((s) => s >= outage.from)!;
      const firstBack = slots.find((s) => s >= outage.to)!;
      expect(r.status).to.equal('recovered');
      expect(r.outageStartAt).to.equal(firstDown);
      expect(r.recoveredAt).to.equal(firstBack);
      expect(r.rtoMs).to.be.closeTo(outage.to - outage.from, 1000 / 10); // within one arrival interval of the truth
      expect(r.rtoScenarioMs).to.equal(r.rtoMs! * scale);
    });
  }

  it('says unknown, not a guess, when a bucket straddles a phase edge it was not cut at', () => {
    const { history } = simulate({ scale: 60, edgesKnown: false });
    const v = availabilityVerdict(history, { phases: ['outage'], threshold: 0 });
    expect(v.status).to.equal('unknown');
    expect(v.children![0]!.summary).to.match(/straddles/);
  });

  it('says unknown when fewer than 5 attempts are expected in the window', () => {
    const { history } = simulate({ scale: 600, rate: 0.4 }); // 10 s outage × 0.4/s = 4 expected
    const v = availabilityVerdict(history, { phases: ['outage'], threshold: 0 });
    expect(v.status).to.equal('unknown');
    expect(v.children![0]!.summary).to.match(/only 4\.\d attempts of referral expected/);
  });

  it('says unknown when attempts the load promised are missing from a phase (arrivals lost, not failed)', () => {
    const { history } = simulate({ scale: 1 });
    const kept = history.all().filter((e) => !(e.kind === 'requests' && e.bucket >= at(3) && e.bucket < at(5)));
    const lossy = History.from([...kept], new Clock(1, T0));
    const v = availabilityVerdict(lossy, { phases: ['baseline'], threshold: 0.99 });
    expect(v.status).to.equal('unknown');
    expect(v.children![0]!.summary).to.match(/arrivals were lost/);
  });

  describe('the harness watching itself', () => {
    it('gives arrivals the load generator skipped their neighbours\' outcome where those agree, else weighs them', () => {
      const { history } = simulate({ scale: 1 });
      history.record({ kind: 'requests', fn: 'referral', t: at(5), bucket: at(5), widthMs: 1000, attempts: 0, successes: 0, failures: {}, latencyMs: { p50: 0, p95: 0, p99: 0, max: 0 }, skipped: 2 });
      // seconds 4, 5 and 6 all succeeded: the two skipped in second 5 are counted as successes
      const agreed = steadyStateVerdict(history, { functions: ['referral'], threshold: 0.98, from: at(1), to: at(9) });
      expect(agreed.status, agreed.summary).to.equal('pass');
      expect(agreed.children![0]!.summary).to.match(/2 arrival\(s\) epj-load skipped given their neighbours' outcome, which cannot change it \(100\.00 %\)/);
      // one failure in second 6: the neighbours disagree, and 2 of unknown outcome could take it below 98 %
      history.record({ kind: 'requests', fn: 'referral', t: at(6), bucket: at(6), widthMs: 1000, attempts: 1, successes: 0, failures: { timeout: 1 }, latencyMs: { p50: 0, p95: 0, p99: 0, max: 0 } });
      const v = steadyStateVerdict(history, { functions: ['referral'], threshold: 0.98, from: at(1), to: at(9) });
      expect(v.status, v.summary).to.equal('unknown');
      expect(v.children![0]!.summary).to.match(/load generator fell behind.*could change the verdict/);
      // outside the window it does not matter
      expect(steadyStateVerdict(history, { functions: ['referral'], threshold: 0.98, from: at(7), to: at(9) }).status).to.equal('pass');
    });

    it('turns a verdict unknown, naming the part, when the harness\'s own Toxiproxy stopped answering in its window', () => {
      const { history } = simulate({ scale: 1 });
      history.record({ kind: 'harness', t: at(12), intervalMs: 1000, eventLoopDelayMs: { p99: 400, max: 900 }, cpuBusy: 1, cpuPressure: 0.5, equipmentDown: [{ part: 'toxiproxy', error: 'fetch failed' }] });
      const v = availabilityVerdict(history, { phases: ['outage'], threshold: 0 });
      expect(v.status).to.equal('unknown');
      // the missing equipment is named before its symptoms (here a stalled event loop)
      expect(v.children![0]!.summary).to.match(/harness's own toxiproxy did not answer .*fetch failed/);
    });

    it('turns a verdict unknown when the event loop stalled or the CPUs were saturated in its window', () => {
      const { history } = simulate({ scale: 1 });
      history.record({ kind: 'harness', t: at(22), intervalMs: 1000, eventLoopDelayMs: { p99: 30, max: 400 }, cpuBusy: 0.9, cpuPressure: 0.5 });
      // a second of saturation is recorded, not judged; six in a row are
      history.record({ kind: 'harness', t: at(1.5), intervalMs: 1000, eventLoopDelayMs: { p99: 10, max: 12 }, cpuBusy: 1, cpuPressure: 1 });
      for (let s = 3; s <= 8; s++) history.record({ kind: 'harness', t: at(s), intervalMs: 1000, eventLoopDelayMs: { p99: 10, max: 12 }, cpuBusy: 1, cpuPressure: 1 });
      // the stall came after the recovery: it cannot have moved it
      const rtoMs = rtoOf(history, appliedFaults(history)[0]!, 'referral', { holdMs: 3000 }).rtoMs!;
      const after = rtoVerdict(history, { holdMs: 3000, maxRtoMs: rtoMs + 100 });
      expect(after.status, after.summary).to.equal('pass');
      // one during the outage may have held the heal back by its length: within 100 ms of the maximum, that decides
      history.record({ kind: 'harness', t: at(15), intervalMs: 1000, eventLoopDelayMs: { p99: 30, max: 400 }, cpuBusy: 0.9, cpuPressure: 0.5 });
      const rto = rtoVerdict(history, { holdMs: 3000, maxRtoMs: rtoMs + 100 });
      expect(rto.status, rto.summary).to.equal('unknown');
      expect(rto.children![0]!.summary).to.match(/event loop stalled 400 ms.*could change the verdict/);
      const before = steadyStateVerdict(history, { functions: ['referral'], from: at(1), to: at(9) });
      expect(before.children![0]!.summary).to.match(/CPUs were saturated for 6\.0 s/);
      expect(steadyStateVerdict(history, { functions: ['referral'], from: at(0.5), to: at(2.5) }).status, 'one saturated second').to.equal('pass');
      // a busy but not saturated host is recorded, not judged
      const calm = steadyStateVerdict(history, { functions: ['referral'], from: at(8.5), to: at(10.4) });
      expect(calm.status).to.equal('pass');
    });

    it("weighs skipped arrivals at a transition: the verdict stands when they cannot change it, else unknown", () => {
      const { history, outage } = simulate({ scale: 1 });
      const rtoMs = rtoOf(history, appliedFaults(history)[0]!, 'referral', { holdMs: 3000 }).rtoMs!;
      const skip = (from: number, to: number, n: number) =>
        history.record({ kind: 'requests', fn: 'referral', t: to, bucket: from, widthMs: to - from, attempts: 0, successes: 0, failures: {}, latencyMs: { p50: 0, p95: 0, p99: 0, max: 0 }, skipped: n });
      // 2 skipped in the outage's last piece of a second, right before the heal: its neighbour after it succeeded
      skip(at(20), outage.to, 2);
      const loose = availabilityVerdict(history, { phases: ['outage'], threshold: 0.05, atMost: true });
      expect(loose.status, loose.summary).to.equal('pass');
      expect(loose.children![0]!.summary).to.match(/0\.00 % ≤ 5\.00 % in outage .*2 arrival\(s\) of referral not sent.*cannot change it \(0\.00 % to 1\.9\d % at worst\)/);
      const tight = availabilityVerdict(history, { phases: ['outage'], threshold: 0.01, atMost: true });
      expect(tight.status, tight.summary).to.equal('unknown');
      expect(tight.children![0]!.summary).to.match(/could change the verdict/);
      // before the outage's last failure they can only bring the recovery forward, within that piece
      expect(rtoVerdict(history, { holdMs: 3000, maxRtoMs: rtoMs + 50 }).status).to.equal('pass');

      // 3 skipped in the first piece after the heal: had they failed, the recovery would be the next second's
      skip(outage.to, at(21), 3);
      const near = rtoVerdict(history, { holdMs: 3000, maxRtoMs: rtoMs + 200 });
      expect(near.status, near.summary).to.equal('unknown');
      expect(near.children![0]!.summary).to.match(/5 arrival\(s\) of referral not sent.*could change the verdict \(recovery between 10\.\d s and 10\.\d s wall\)/);
      const far = rtoVerdict(history, { holdMs: 3000, maxRtoMs: rtoMs + 2000 });
      expect(far.status, far.summary).to.equal('pass');
      expect(far.children![0]!.summary).to.match(/cannot change it/);
    });

    it('weighs a stalled event loop by what the harness stamped: phase edges, and the scenario clock at its pace', () => {
      const { history } = simulate({ scale: 600 });
      // a 400-ms stall in the middle of the outage, far from its edges: no attempt can have crossed one
      history.record({ kind: 'harness', t: at(15), intervalMs: 1000, eventLoopDelayMs: { p99: 30, max: 400 }, cpuBusy: 0.9, cpuPressure: 0.5 });
      const mid = availabilityVerdict(history, { phases: ['outage'], threshold: 0, atMost: true });
      expect(mid.status, mid.summary).to.equal('pass');
      expect(mid.children![0]!.summary).to.match(/cannot change it \(0\.00 %\)/);
      // at 600× it may have held the heal back by 400 ms × 600 = 4 min of scenario time
      const rtoScenarioMs = rtoOf(history, appliedFaults(history)[0]!, 'referral', { holdMs: 3000 }).rtoScenarioMs!;
      expect(rtoVerdict(history, { holdMs: 3000, maxRtoScenarioMs: rtoScenarioMs + 180_000 }).status).to.equal('unknown');
      expect(rtoVerdict(history, { holdMs: 3000, maxRtoScenarioMs: rtoScenarioMs + 300_000 }).status).to.equal('pass');
      expect(rtoVerdict(history, { holdMs: 3000, maxRtoScenarioMs: rtoScenarioMs - 300_000 }).status).to.equal('fail');

      // one just before the outage's start: up to 400 ms × 10/s of attempts (+1) may sit on the wrong side of it
      history.record({ kind: 'harness', t: at(10.6), intervalMs: 1000, eventLoopDelayMs: { p99: 30, max: 400 }, cpuBusy: 0.9, cpuPressure: 0.5 });
      expect(availabilityVerdict(history, { phases: ['baseline'], threshold: 1 }).status).to.equal('unknown');
      expect(availabilityVerdict(history, { phases: ['outage'], threshold: 0.1, atMost: true }).status).to.equal('pass');
      expect(availabilityVerdict(history, { phases: ['outage'], threshold: 0.02, atMost: true }).status).to.equal('unknown');
    });

    it('a stall moves no attempt across an edge anchored to its step (stamped before its effect, after its proof, or scheduled)', () => {
      // the power cut of a busy run: a 285-ms stall in the second the harness cut the power, on edges recorded by
      // the timeline (harness/timeline/phase-start.ts) — the step waits for the stall as its stamp does
      const { history } = simulate({ scale: 600, anchored: true });
      history.record({ kind: 'harness', t: at(10.6), intervalMs: 1000, eventLoopDelayMs: { p99: 30, max: 400 }, cpuBusy: 0.9, cpuPressure: 0.5 });
      const baseline = availabilityVerdict(history, { phases: ['baseline'], threshold: 1 });
      expect(baseline.status, baseline.summary).to.equal('pass');
      expect(baseline.children![0]!.summary).to.match(/event loop stalled 400 ms.*cannot change it \(100\.00 %\)/);
      expect(availabilityVerdict(history, { phases: ['outage'], threshold: 0.02, atMost: true }).status).to.equal('pass');
      // the scenario clock still kept its pace through the stall: a duration it stamped is still in doubt
      const rtoScenarioMs = rtoOf(history, appliedFaults(history)[0]!, 'referral', { holdMs: 3000 }).rtoScenarioMs!;
      expect(rtoVerdict(history, { holdMs: 3000, maxRtoScenarioMs: rtoScenarioMs + 180_000 }).status).to.equal('unknown');
    });
  });

  it('bounds an availability by attempts of unknown outcome and attempts that may belong outside', () => {
    expect(availabilityRange(90, 100, 0, 0)).to.deep.equal({ low: 0.9, high: 0.9 });
    expect(availabilityRange(90, 100, 10, 0)).to.deep.equal({ low: 90 / 110, high: 100 / 110 });
    // 5 misplaced: drop 5 successes and add 5 failures, or drop 5 failures and add 5 successes
    expect(availabilityRange(90, 100, 0, 5)).to.deep.equal({ low: 85 / 100, high: 95 / 100 });
    expect(availabilityRange(0, 3, 0, 5)).to.deep.equal({ low: 0, high: 5 / 5 });
  });
});
