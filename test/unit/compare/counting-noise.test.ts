import { expect } from 'chai';
import { attemptsForPercentile, beyondCountingNoise, moreFailuresThanChance } from '../../../harness/compare/counting-noise.js';

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
