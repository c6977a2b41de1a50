import { expect } from 'chai';
import { attemptsForPercentile, beyondCountingNoise, moreFailuresThanChance, quantileBand } from '../../../harness/compare/counting-noise.js';
import { MergeableHistogram } from '../../../harness/workload/histogram.js';

describe('compare: counting noise of an availability (Fisher’s exact test, one-sided)', () => {
  it('gives the hypergeometric tail: 1 of 5 failed against 5 of 5 is p = 6/252', () => {
    expect(moreFailuresThanChance({ failures: 1, attempts: 5 }, { failures: 5, attempts: 5 })).to.be.closeTo(6 / 252, 1e-12);
    // the same failures on both sides: nothing to explain
    expect(moreFailuresThanChance({ failures: 3, attempts: 50 }, { failures: 3, attempts: 50 })).to.be.above(0.5);
    // no attempts on a side: no evidence
    expect(moreFailuresThanChance({ failures: 0, attempts: 0 }, { failures: 5, attempts: 5 })).to.equal(1);
  });

  it('a phase of five attempts: one or two more failures is chance; every attempt failing across four runs is not', () => {
    // measured on the restart drill: 'taking hold' holds 4–5 attempts; single runs differ by one or two
    expect(beyondCountingNoise({ failures: 1, attempts: 5 }, { failures: 2, attempts: 5 }, 'worse')).to.equal(false);
    expect(beyondCountingNoise({ failures: 1, attempts: 5 }, { failures: 5, attempts: 5 }, 'worse')).to.equal(false);
    // the planted regression, four runs pooled a side: 5 of 20 against 20 of 20
    expect(beyondCountingNoise({ failures: 5, attempts: 20 }, { failures: 20, attempts: 20 }, 'worse')).to.equal(true);
    // a database restart phase of ~110 attempts: none failed against 40
    expect(beyondCountingNoise({ failures: 0, attempts: 113 }, { failures: 41, attempts: 113 }, 'worse')).to.equal(true);
    // and the other way round for an improvement
    expect(beyondCountingNoise({ failures: 41, attempts: 113 }, { failures: 0, attempts: 113 }, 'better')).to.equal(true);
    expect(beyondCountingNoise({ failures: 41, attempts: 113 }, { failures: 0, attempts: 113 }, 'worse')).to.equal(false);
  });

  it('a percentile needs five attempts beyond it in every run: 500 for a p99, 10 for a p50', () => {
    expect(attemptsForPercentile(0.99)).to.equal(500);
    expect(attemptsForPercentile(0.5)).to.equal(10);
  });
});

describe('compare: sampling noise of a percentile (the rank of the q-th value is binomial)', () => {
  it('a p99 over 2700 attempts is the 27th-slowest, give or take 13 at 99 %', () => {
    const b = quantileBand(0.99, 2700);
    expect(2700 * (1 - b.high)).to.be.closeTo(27 - 13.3, 0.2);
    expect(2700 * (1 - b.low)).to.be.closeTo(27 + 13.3, 0.2);
    // more attempts, a narrower band; the band never leaves 0..1
    expect(quantileBand(0.99, 27_000).high - quantileBand(0.99, 27_000).low).to.be.below(b.high - b.low);
    expect(quantileBand(0.5, 1)).to.deep.equal({ low: 0, high: 1 });
  });

  it('two samples of one tail overlap; a tail three times as slow does not', () => {
    // 2700 lookups, 2.2 % of them in an outage's tail spread over 0.5–2 s
    const run = (scale: number, seed: number) => {
      const h = new MergeableHistogram();
      let x = seed;
      for (let i = 0; i < 2700; i++) {
        x = (x * 16807) % 2147483647;
        h.record(i < 60 ? scale * (500 + (x % 1500)) : 10 + (x % 20));
      }
      return h;
    };
    const band = (h: MergeableHistogram) => {
      const q = quantileBand(0.99, 2700);
      return { low: h.percentile(q.low), high: h.percentile(q.high) };
    };
    const a = band(run(1, 7));
    const b = band(run(1, 11));
    expect(b.low).to.be.at.most(a.high);
    expect(a.low).to.be.at.most(b.high);
    expect(band(run(3, 11)).low).to.be.above(a.high);
  });
});
