import { expect } from 'chai';
import { BucketAggregator, type BucketRecord } from '../../../harness/workload/buckets.js';
import { mulberry32 } from '../../../harness/util/prng.js';
import { MERGEABLE_HISTOGRAM_RELATIVE_ERROR } from '../../../harness/workload/histogram.js';
import type { ClinicalFunction } from '../../../harness/stack/definition.js';

/** deterministic PRNG so failures reproduce */
const rng = mulberry32;

function exactPercentile(sorted: number[], p: number): number {
  return sorted[Math.max(1, Math.ceil(p * sorted.length)) - 1]!;
}

describe('workload: bucket aggregator', () => {
  const FNS: ClinicalFunction[] = ['journal-lookup', 'clinical-note', 'admission', 'discharge', 'referral', 'e-prescription', 'read-only-lookup'];

  it('folds 1e6 attempts into exact counts and percentiles with bounded memory', function () {
    this.timeout(60_000);
    const out: BucketRecord[] = [];
    const agg = new BucketAggregator({ emit: (b) => out.push(b) });
    const rand = rng(42);
    const start = 1_800_000_000_000;
    const N = 1_000_000;
    const perMs = N / 20_000; // 20 s of synthetic traffic, 50 attempts per ms over 7 functions
    // Exact reference for one function × one bucket, to check the percentiles against.
    const probe: number[] = [];
    const probeBucket = start + 7_000;
    let maxOpen = 0;
    let expectedOk = 0;
    const expectedFailures: Record<string, number> = {};
    const heapBefore = process.memoryUsage().heapUsed;
    for (let i = 0; i < N; i++) {
      const t = start + Math.floor(i / perMs);
      const fn = FNS[i % FNS.length]!;
      const latencyMs = fn === 'journal-lookup' ? 5 + rand() * rand() * 400 : 1 + rand() * 50;
      const ok = rand() > 0.02;
      const cause = ok ? null : rand() < 0.5 ? 'timeout' : 'http-5xx';
      if (ok) expectedOk++;
      else expectedFailures[cause!] = (expectedFailures[cause!] ?? 0) + 1;
      if (fn === 'journal-lookup' && t >= probeBucket && t < probeBucket + 1000) probe.push(latencyMs);
      agg.add({ start: t, fn, ok, latencyMs, cause });
      if (i % 1000 === 0) {
        agg.flushDue(t); // "now" follows the synthetic clock
        maxOpen = Math.max(maxOpen, agg.openBuckets);
      }
    }
    agg.flushAll();
    const heapGrowthMb = (process.memoryUsage().heapUsed - heapBefore) / 2 ** 20;

    // bounded: at most (width + grace) / width + 1 = 4.5 buckets per function are ever open
    expect(maxOpen).to.be.at.most(5 * FNS.length);
    expect(agg.openBuckets).to.equal(0);
    // the heap's growth depends on when V8 last collected (it failed a full run once): printed, not asserted — the
    // bound that holds memory is the number of open buckets above
    console.log(`      heap growth ${heapGrowthMb.toFixed(1)} MB for 1e6 attempts, 140 bucket events retained`);

    expect(out).to.have.length(20 * FNS.length);
    expect(out.reduce((s, b) => s + b.attempts, 0)).to.equal(N);
    expect(out.reduce((s, b) => s + b.successes, 0)).to.equal(expectedOk);
    for (const cause of ['timeout', 'http-5xx'] as const) {
      expect(out.reduce((s, b) => s + (b.failures[cause] ?? 0), 0)).to.equal(expectedFailures[cause]);
    }
    for (const b of out) {
      expect(b.bucket % 1000).to.equal(0);
      expect(b.widthMs).to.equal(1000);
      expect(b.attempts).to.be.within(N / 20 / FNS.length - 1, N / 20 / FNS.length + 1);
      expect(b.latencyMs.p50).to.be.at.most(b.latencyMs.p95);
      expect(b.latencyMs.p95).to.be.at.most(b.latencyMs.p99);
      expect(b.latencyMs.p99).to.be.at.most(b.latencyMs.max);
    }
    const ours = out.find((b) => b.fn === 'journal-lookup' && b.bucket === probeBucket)!;
    probe.sort((a, b) => a - b);
    expect(ours.attempts).to.equal(probe.length);
    for (const [p, key] of [[0.5, 'p50'], [0.95, 'p95'], [0.99, 'p99']] as const) {
      const exact = exactPercentile(probe, p);
      expect(Math.abs(ours.latencyMs[key] - exact) / exact, key).to.be.at.most(MERGEABLE_HISTOGRAM_RELATIVE_ERROR + 0.001);
    }
    expect(ours.latencyMs.max).to.be.closeTo(probe.at(-1)!, 0.001);
  });

  it('keys attempts by their start and flushes a bucket once width + grace have passed, with the attempts\' instants', () => {
    const out: BucketRecord[] = [];
    const agg = new BucketAggregator({ emit: (b) => out.push(b) });
    const b0 = 1_800_000_000_000;
    // the first attempt started at +100 and timed out 2 s later: it still belongs to the bucket it started in
    agg.add({ start: b0 + 100, fn: 'admission', ok: false, latencyMs: 2000, cause: 'timeout' });
    agg.add({ start: b0 + 300, fn: 'admission', ok: true, latencyMs: 10, cause: null, sendLagMs: 4 });
    agg.add({ start: b0 + 700, fn: 'admission', ok: true, latencyMs: 12, cause: null });
    agg.add({ start: b0 + 900, fn: 'admission', ok: false, latencyMs: 3, cause: 'refused' });
    agg.add({ start: b0 + 1200, fn: 'admission', ok: true, latencyMs: 12, cause: null });
    expect(agg.flushDue(b0 + 3499)).to.equal(0);
    expect(agg.flushDue(b0 + 3500)).to.equal(1);
    expect(out[0]).to.deep.equal({
      fn: 'admission',
      bucket: b0,
      widthMs: 1000,
      attempts: 4,
      successes: 2,
      failures: { timeout: 1, refused: 1 },
      latencyMs: out[0]!.latencyMs,
      latencyHistogram: out[0]!.latencyHistogram,
      firstSuccessAt: b0 + 300,
      firstFailureAt: b0 + 100,
      lastFailureAt: b0 + 900,
      maxSendLagMs: 4,
    });
    expect(out[0]!.latencyMs.max).to.equal(2000);
    expect(agg.openBuckets).to.equal(1);
    // a late attempt for the flushed bucket is recorded again, and counted
    agg.add({ start: b0 + 950, fn: 'admission', ok: true, latencyMs: 1, cause: null });
    expect(agg.late).to.equal(1);
    agg.flushAll();
    expect(out.map((b) => [b.bucket - b0, b.attempts])).to.deep.equal([
      [0, 4],
      [0, 1],
      [1000, 1],
    ]);
    expect(out[2]).to.not.have.property('lastFailureAt');
  });

  it('cuts a bucket at a phase edge inside it: each piece holds exactly the attempts that started in it', () => {
    const out: BucketRecord[] = [];
    const agg = new BucketAggregator({ emit: (b) => out.push(b) });
    const b0 = 1_800_000_000_000;
    const edge = b0 + 437.5;
    agg.addEdge(edge);
    for (let i = 0; i < 10; i++) agg.add({ start: b0 + i * 100, fn: 'referral', ok: b0 + i * 100 < edge, latencyMs: 5, cause: b0 + i * 100 < edge ? null : 'refused' });
    agg.flushAll();
    expect(out.map((b) => [b.bucket - b0, b.widthMs, b.attempts, b.successes])).to.deep.equal([
      [0, 437.5, 5, 5],
      [437.5, 562.5, 5, 0],
    ]);
    expect(out[1]).to.include({ firstFailureAt: b0 + 500, lastFailureAt: b0 + 900 });
  });

  it('places the first success after the last failure, and keeps skipped arrivals apart from attempts', () => {
    const out: BucketRecord[] = [];
    const agg = new BucketAggregator({ emit: (b) => out.push(b) });
    const b0 = 1_800_000_000_000;
    agg.add({ start: b0 + 100, fn: 'admission', ok: true, latencyMs: 1, cause: null });
    agg.add({ start: b0 + 200, fn: 'admission', ok: false, latencyMs: 1, cause: 'reset' });
    agg.add({ start: b0 + 600, fn: 'admission', ok: true, latencyMs: 1, cause: null });
    agg.skip('admission', b0 + 650);
    agg.add({ start: b0 + 700, fn: 'admission', ok: true, latencyMs: 1, cause: null });
    agg.flushAll();
    expect(out).to.have.length(1);
    expect(out[0]).to.include({ attempts: 4, successes: 3, skipped: 1, firstSuccessAt: b0 + 100, lastFailureAt: b0 + 200, firstSuccessAfterLastFailureAt: b0 + 600 });
  });

  it("leaves out a failed attempt still in flight when the next phase began with a fault's onset: the fault's", () => {
    const out: BucketRecord[] = [];
    const agg = new BucketAggregator({ emit: (b) => out.push(b) });
    const b0 = 1_800_000_000_000;
    const onset = b0 + 1500; // the next bucket's middle: the onset may lie after the bucket the attempt started in
    agg.addEdge(b0 + 200); // a plain phase edge before it
    agg.addEdge(onset, true);
    const add = (start: number, ok: boolean, latencyMs: number, sendLagMs = 0) => agg.add({ start: b0 + start, fn: 'referral', ok, latencyMs, cause: ok ? null : 'timeout', sendLagMs });
    add(100, false, 150); // failed before the plain edge: its own phase's (a plain edge catches nothing)
    add(900, true, 5);
    add(990, false, 2000); // sent at 990, hung past the onset at 1500: caught
    add(1495, false, 10); // in flight at the onset: caught, though in the next bucket
    add(1400, false, 50); // failed 50 ms later, before the onset: its phase's own
    add(1450, false, 2000, 60); // arrived before the onset, sent at 1510 (every worker busy): still caught
    add(1460, false, 10, 20); // arrived, sent and failed before the onset: its phase's own
    add(1500, false, 2000); // started at the onset: the fault phase's
    agg.flushAll();
    const rows = out.map((b) => [b.bucket - b0, b.attempts, b.successes, b.caughtByOnset ?? 0]);
    expect(rows).to.deep.equal([
      [0, 1, 0, 0],
      [200, 1, 1, 1],
      [1000, 2, 0, 2],
      [1500, 1, 0, 0],
    ]);
  });

  it('an onset is an edge like any other where nothing failed: the counts are the same as without it', () => {
    const run = (onset: boolean) => {
      const out: BucketRecord[] = [];
      const agg = new BucketAggregator({ emit: (b) => out.push(b) });
      const b0 = 1_800_000_000_000;
      agg.addEdge(b0 + 500, onset);
      for (let i = 0; i < 10; i++) agg.add({ start: b0 + i * 100, fn: 'admission', ok: true, latencyMs: 300, cause: null });
      agg.flushAll();
      return out;
    };
    expect(run(true)).to.deep.equal(run(false));
  });

  it('counts an edge that comes after its bucket was flushed', () => {
    const agg = new BucketAggregator({ emit: () => {} });
    const b0 = 1_800_000_000_000;
    agg.add({ start: b0 + 10, fn: 'admission', ok: true, latencyMs: 1, cause: null });
    agg.flushAll();
    agg.addEdge(b0 + 500);
    expect(agg.lateEdges).to.equal(1);
  });
});

describe('workload: closing buckets at the load\'s watermark', () => {
  const T = 1_800_000_000_000;
  const attempt = (fn: ClinicalFunction, start: number, ok = true) => ({ fn, start, ok, latencyMs: 5, cause: ok ? null : ('timeout' as const) });

  it('closes the buckets before an instant only once every driven function has reported past their end', () => {
    const out: BucketRecord[] = [];
    const agg = new BucketAggregator({ emit: (b) => out.push(b) });
    const fns: ClinicalFunction[] = ['clinical-note', 'referral'];
    agg.add(attempt('clinical-note', T + 100));
    agg.add(attempt('clinical-note', T + 1_200));
    agg.add(attempt('referral', T + 900));
    agg.add(attempt('clinical-note', T + 2_100)); // after the window: stays open
    // the window ends at T + 1.5 s: its last bucket is [T + 1 s, T + 2 s)
    const later = T + 2_050; // the wall clock, past the end of the window's last bucket
    expect(agg.closeBefore(T + 1_500, fns, later), 'no watermark yet').to.equal(false);
    agg.reported('clinical-note', T + 2_050);
    agg.reported('referral', T + 1_999); // a referral slotted just before T + 2 s is still in flight
    expect(agg.closeBefore(T + 1_500, fns, later)).to.equal(false);
    expect(out, 'nothing flushed while one function lags').to.have.length(0);
    agg.reported('referral', T + 2_000);
    // a watermark with nothing in flight is the next slot, maybe ahead of the clock: an edge stamped before the
    // bucket's end would land in a bucket already recorded
    expect(agg.closeBefore(T + 1_500, fns, T + 1_990), 'before the wall clock passed the bucket').to.equal(false);
    expect(agg.closeBefore(T + 1_500, fns, later)).to.equal(true);
    expect(out.map((b) => `${b.fn}@${b.bucket - T}:${b.attempts}`).sort()).to.deep.equal(['clinical-note@0:1', 'clinical-note@1000:1', 'referral@0:1']);
    expect(agg.openBuckets, 'the bucket after the window').to.equal(1);
    // a watermark never moves back
    agg.reported('referral', T);
    expect(agg.reportedBefore('referral')).to.equal(T + 2_000);
  });

  it('cuts what it closes at the phase edges it knows', () => {
    const out: BucketRecord[] = [];
    const agg = new BucketAggregator({ emit: (b) => out.push(b) });
    agg.addEdge(T + 400);
    agg.add(attempt('admission', T + 100, false));
    agg.add(attempt('admission', T + 600));
    agg.reported('admission', T + 1_000);
    expect(agg.closeBefore(T + 1_000, ['admission'], T + 1_000)).to.equal(true);
    expect(out.map((b) => [b.bucket - T, b.widthMs, b.attempts, b.successes])).to.deep.equal([
      [0, 400, 1, 0],
      [400, 600, 1, 1],
    ]);
  });
});
