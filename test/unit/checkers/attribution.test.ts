import { expect } from 'chai';
import { availabilityByPhase, availabilityVerdict } from '../../../harness/checkers/availability.js';
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

function simulate(opts: { scale: number; rate?: number; fn?: ClinicalFunction; edgesKnown?: boolean; seconds?: number }): Sim {
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
    history.record({ kind: 'phase', name, t });
    if (opts.edgesKnown !== false) agg.addEdge(t);
  }
  history.record({ kind: 'fault', id: 'blackhole#1', fault: 'blackhole', stage: 'applied', target: 'epj-front', t: outage.from });
  history.record({ kind: 'fault', id: 'blackhole#1', fault: 'blackhole', stage: 'healed', target: 'epj-front', t: outage.to });
  const slots: number[] = [];
  for (let n = 0; ; n++) {
    const start = T0 + ((n + 1) * 1000) / rate + 0.25; // slots are fractional ms, like epj-load's
    if (start >= at(seconds)) break;
    slots.push(start);
    const down = start >= outage.from && start < outage.to;
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
    it('turns a verdict unknown when the load generator skipped arrivals in its window', () => {
      const { history } = simulate({ scale: 1 });
      history.record({ kind: 'requests', fn: 'referral', t: at(5), bucket: at(5), widthMs: 1000, attempts: 0, successes: 0, failures: {}, latencyMs: { p50: 0, p95: 0, p99: 0, max: 0 }, skipped: 2 });
      const v = steadyStateVerdict(history, { functions: ['referral'], from: at(1), to: at(9) });
      expect(v.status).to.equal('unknown');
      expect(v.children![0]!.summary).to.match(/load generator fell behind/);
      // outside the window it does not matter
      expect(steadyStateVerdict(history, { functions: ['referral'], from: at(6), to: at(9) }).status).to.equal('pass');
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
      const rto = rtoVerdict(history, { holdMs: 3000 });
      expect(rto.status, rto.summary).to.equal('unknown');
      expect(rto.children![0]!.summary).to.match(/event loop stalled 400 ms/);
      const before = steadyStateVerdict(history, { functions: ['referral'], from: at(1), to: at(9) });
      expect(before.children![0]!.summary).to.match(/CPUs were saturated for 6\.0 s/);
      expect(steadyStateVerdict(history, { functions: ['referral'], from: at(0.5), to: at(2.5) }).status, 'one saturated second').to.equal('pass');
      // a busy but not saturated host is recorded, not judged
      const calm = steadyStateVerdict(history, { functions: ['referral'], from: at(8.5), to: at(10.4) });
      expect(calm.status).to.equal('pass');
    });
  });
});
