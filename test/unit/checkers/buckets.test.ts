import { expect } from 'chai';
import {
  availabilityOf,
  bucketAvailability,
  bucketsByFunction,
  coalesceBuckets,
  mergeBuckets,
  widenBuckets,
} from '../../../harness/checkers/index.js';
import type { RequestBucketEvent } from '../../../harness/history/events.js';
import { at, bucket, historyOf } from './fixtures.js';

const requests = (...events: ReturnType<typeof bucket>[]): RequestBucketEvent[] => historyOf(events).ofKind('requests');

describe('checkers: bucket maths', () => {
  it('gives null availability for zero attempts, never 100 %', () => {
    const [empty] = requests(bucket('admission', 0, 0, 0));
    expect(bucketAvailability(empty!)).to.equal(null);
    expect(availabilityOf([empty!])).to.equal(null);
    expect(availabilityOf([])).to.equal(null);
    expect(mergeBuckets([empty!]).availability).to.equal(null);
    expect(mergeBuckets([empty!]).latencyMs).to.equal(null);
  });

  it('computes Σsuccesses ÷ Σattempts, not a mean of bucket ratios', () => {
    const bs = requests(bucket('admission', 0, 1, 1), bucket('admission', 1, 9, 0));
    expect(availabilityOf(bs)).to.be.closeTo(0.1, 1e-12);
  });

  it('merges counts, failures by cause, and latency as max / upper bounds ignoring empty buckets', () => {
    const bs = requests(
      bucket('referral', 0, 10, 8, { failures: { timeout: 1, 'http-5xx': 1 }, latencyMs: { p50: 5, p95: 50, p99: 90, max: 100 } }),
      bucket('referral', 1, 20, 17, { failures: { timeout: 2, refused: 1 }, latencyMs: { p50: 7, p95: 40, p99: 300, max: 400 } }),
      // an empty bucket's latency numbers are meaningless and must not raise the bound
      bucket('referral', 2, 0, 0, { latencyMs: { p50: 9999, p95: 9999, p99: 9999, max: 9999 } }),
    );
    const m = mergeBuckets(bs);
    expect(m.buckets).to.equal(3);
    expect(m.attempts).to.equal(30);
    expect(m.successes).to.equal(25);
    expect(m.failed).to.equal(5);
    expect(m.failures).to.deep.equal({ timeout: 3, 'http-5xx': 1, refused: 1 });
    expect(m.availability).to.be.closeTo(25 / 30, 1e-12);
    expect(m.latencyMs).to.deep.equal({ max: 400, p50AtMost: 7, p95AtMost: 50, p99AtMost: 300 });
    expect(m.from).to.equal(at(0));
    expect(m.to).to.equal(at(3));
  });

  it('widens one function’s buckets into aligned windows', () => {
    const bs = requests(
      bucket('admission', 0, 10, 10),
      bucket('admission', 9, 10, 0),
      bucket('admission', 10, 4, 2),
      bucket('admission', 25, 0, 0),
    );
    const windows = widenBuckets(bs, 10_000);
    expect(windows.map((w) => [w.start - at(0), w.attempts, w.successes, w.availability])).to.deep.equal([
      [0, 20, 10, 0.5],
      [10_000, 4, 2, 0.5],
      [20_000, 0, 0, null],
    ]);
    expect(windows[0]!.fn).to.equal('admission');
  });

  it('refuses to widen several functions together', () => {
    const bs = requests(bucket('admission', 0, 1, 1), bucket('referral', 0, 1, 1));
    expect(() => widenBuckets(bs, 10_000)).to.throw(RangeError, /one function/);
  });

  it('groups by function, sorted by bucket start', () => {
    const bs = requests(bucket('referral', 2, 1, 1), bucket('admission', 1, 1, 1), bucket('referral', 0, 1, 0));
    const groups = bucketsByFunction(bs);
    expect([...groups.keys()].sort()).to.deep.equal(['admission', 'referral']);
    expect(groups.get('referral')!.map((b) => b.bucket)).to.deep.equal([at(0), at(2)]);
  });

  it('coalesces two reports of the same bucket into one', () => {
    const bs = requests(
      bucket('admission', 0, 10, 10, { firstSuccessAt: at(0.5) }),
      bucket('admission', 0, 10, 0, { lastFailureAt: at(0.7) }),
      bucket('admission', 1, 5, 5),
    );
    const merged = coalesceBuckets(bs);
    expect(merged).to.have.length(2);
    expect(merged[0]).to.include({ attempts: 20, successes: 10, firstSuccessAt: at(0.5), lastFailureAt: at(0.7) });
    expect(merged[0]!.failures).to.deep.equal({ timeout: 10 });
    expect(bucketAvailability(merged[0]!)).to.equal(0.5);
    // the input is not mutated
    expect(bs[0]!.attempts).to.equal(10);
  });
});
