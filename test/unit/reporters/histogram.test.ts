import { expect } from 'chai';
import { mulberry32 } from '../../../harness/util/prng.js';
import { BucketAggregator, type BucketRecord } from '../../../harness/workload/buckets.js';
import {
  HISTOGRAM_BINS,
  histogramBin,
  histogramBinRange,
  MergeableHistogram,
  MERGEABLE_HISTOGRAM_RELATIVE_ERROR,
} from '../../../harness/workload/histogram.js';

function exactPercentile(sorted: number[], p: number): number {
  return sorted[Math.max(1, Math.ceil(p * sorted.length)) - 1]!;
}

/** log-uniform over [0.1 ms, 60 s] */
function latencies(seed: number, n: number): number[] {
  const rand = mulberry32(seed);
  return Array.from({ length: n }, () => 0.1 * Math.exp(rand() * Math.log(600_000)));
}

describe('mergeable latency histogram', () => {
  it('has one fixed layout: 64 bins an octave from 0.1 ms, each value inside its bin\'s range', () => {
    expect(HISTOGRAM_BINS).to.equal(1282);
    expect(histogramBin(0)).to.equal(0);
    expect(histogramBin(0.0999)).to.equal(0);
    expect(histogramBin(-3)).to.equal(0);
    expect(histogramBin(Number.NaN)).to.equal(0);
    expect(histogramBin(0.1)).to.equal(1);
    expect(histogramBin(0.2)).to.equal(65); // exactly one octave up
    expect(histogramBin(60_000)).to.be.below(HISTOGRAM_BINS - 1);
    expect(histogramBin(200_000)).to.equal(HISTOGRAM_BINS - 1);
    const misplaced: string[] = [];
    for (const v of [...latencies(3, 20_000), 0.1, 0.2, 0.4, 1, 1.6, 3.2, 100, 102.4, 1000, 59_999.9]) {
      const bin = histogramBin(v);
      const [lo, hi] = histogramBinRange(bin);
      if (v < lo * (1 - 1e-12) || v >= hi * (1 + 1e-12)) misplaced.push(`${v} in bin ${bin} [${lo}, ${hi})`);
      if ((hi - lo) / lo > 1 / 64 + 1e-12) misplaced.push(`bin ${bin} is wider than 1/64 of its lower bound`);
    }
    // bins are contiguous and increasing
    for (let b = 1; b < HISTOGRAM_BINS - 1; b++) {
      if (Math.abs(histogramBinRange(b)[0] - histogramBinRange(b - 1)[1]) > 1e-9) misplaced.push(`bin ${b} does not start where bin ${b - 1} ends`);
    }
    expect(misplaced).to.deep.equal([]);
  });

  it('answers percentiles within its precision (two significant digits), exactly at the maximum', () => {
    const values = latencies(11, 100_000);
    const h = new MergeableHistogram();
    for (const v of values) h.record(v);
    values.sort((a, b) => a - b);
    for (const p of [0.001, 0.01, 0.25, 0.5, 0.9, 0.95, 0.99, 0.999]) {
      const exact = exactPercentile(values, p);
      expect(Math.abs(h.percentile(p) - exact) / exact, `p${p * 100}`).to.be.at.most(MERGEABLE_HISTOGRAM_RELATIVE_ERROR + 1e-12);
    }
    expect(MERGEABLE_HISTOGRAM_RELATIVE_ERROR).to.be.below(0.01);
    expect(h.percentile(1)).to.equal(values.at(-1));
    expect(h.min).to.equal(values[0]);
    expect(h.count).to.equal(100_000);
    expect(h.sum).to.be.closeTo(values.reduce((s, v) => s + v, 0), 1e-3);
    expect(new MergeableHistogram().percentile(0.5)).to.equal(0);
  });

  it('merged, two histograms are the histogram of the union — bin for bin, live or stored', () => {
    const a = latencies(1, 5_000);
    const b = latencies(2, 7_000).map((v) => v * 3);
    const ha = new MergeableHistogram();
    const hb = new MergeableHistogram();
    const union = new MergeableHistogram();
    for (const v of a) (ha.record(v), union.record(v));
    for (const v of b) (hb.record(v), union.record(v));
    const viaSparse = MergeableHistogram.fromSparse(ha.toSparse()).merge(hb.toSparse());
    const live = new MergeableHistogram().merge(ha).merge(hb);
    for (const merged of [viaSparse, live]) {
      const m = merged.toSparse();
      const u = union.toSparse();
      expect(m.bins).to.deep.equal(u.bins);
      expect([m.count, m.min, m.max]).to.deep.equal([u.count, u.min, u.max]);
      expect(m.sum).to.be.closeTo(u.sum, 0.01);
      for (const p of [0.5, 0.95, 0.99]) expect(merged.percentile(p)).to.equal(union.percentile(p));
    }
    // merging an empty one changes nothing; the stored form keeps only non-empty bins
    expect(live.merge(new MergeableHistogram().toSparse()).count).to.equal(12_000);
    expect(ha.toSparse().bins.every(([, n]) => n > 0)).to.equal(true);
    expect(new MergeableHistogram().toSparse()).to.deep.equal({ count: 0, sum: 0, min: 0, max: 0, bins: [] });
  });

  it('the bucket aggregator gives each bucket the histogram of exactly its attempts', () => {
    const out: BucketRecord[] = [];
    const agg = new BucketAggregator({ emit: (b) => out.push(b) });
    const b0 = 1_800_000_000_000;
    agg.addEdge(b0 + 500);
    const lat = [3, 12, 12.1, 250, 2000, 7];
    lat.forEach((ms, i) => agg.add({ start: b0 + i * 150, fn: 'journal-lookup', ok: ms < 2000, latencyMs: ms, cause: ms < 2000 ? null : 'timeout' }));
    agg.skip('journal-lookup', b0 + 1500);
    agg.flushAll();
    // cut at the edge: [b0, +500) holds 4 attempts, [+500, +1000) 2; the skipped arrival's bucket has no attempts
    expect(out.map((b) => [b.bucket - b0, b.attempts, b.latencyHistogram?.count])).to.deep.equal([
      [0, 4, 4],
      [500, 2, 2],
      [1000, 0, undefined],
    ]);
    const whole = MergeableHistogram.fromSparse(out[0]!.latencyHistogram!).merge(out[1]!.latencyHistogram!);
    const direct = new MergeableHistogram();
    for (const ms of lat) direct.record(ms);
    expect(whole.toSparse()).to.deep.equal(direct.toSparse());
    expect(out[0]!.latencyMs.max).to.equal(250);
    expect(out[0]!.latencyHistogram!.max).to.equal(250);
  });
});
