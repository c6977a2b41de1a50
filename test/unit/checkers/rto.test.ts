import { expect } from 'chai';
import { rtoByFault, rtoOf, rtoVerdict, appliedFaults, type RtoResult } from '../../../harness/checkers/index.js';
import type { History } from '../../../harness/history/history.js';
import type { ClinicalFunction } from '../../../harness/stack/definition.js';
import { applied, at, bucket, historyOf, run } from './fixtures.js';

const rto = (h: History, fn: ClinicalFunction = 'admission', opts = {}): RtoResult => rtoOf(h, appliedFaults(h)[0]!, fn, opts);

describe('checkers: RTO', () => {
  it('measures a clean outage and recovery from the applied instant', () => {
    const h = historyOf([...run('admission', 0, 10, 'good'), applied('power#1', 10), ...run('admission', 10, 20, 'bad'), ...run('admission', 20, 30, 'good')]);
    const r = rto(h);
    expect(r.status).to.equal('recovered');
    expect(r.recoveredAt).to.equal(at(20));
    expect(r.rtoMs).to.equal(10_000);
    expect(r.rtoScenarioMs).to.equal(10_000);
    expect(r.outageStartAt).to.equal(at(10));
    expect(r.firstFailureAt).to.equal(at(10));
    expect(r.timeToImpactMs).to.equal(0);
    expect(r.outageMs).to.equal(10_000);
    expect(r.badBuckets).to.equal(10);
    expect(r.flaps).to.equal(0);
    expect(r.withoutOutage).to.equal(false);
  });

  it('places the recovery inside the bucket from firstSuccessAt', () => {
    const h = historyOf([applied('power#1', 10), ...run('admission', 10, 20, 'bad'), bucket('admission', 20, 10, 10, { firstSuccessAt: at(20.4) }), ...run('admission', 21, 30, 'good')]);
    expect(rto(h).recoveredAt).to.equal(at(20.4));
    expect(rto(h).rtoMs).to.equal(10_400);
  });

  it('does not move the recovery for a stray failure inside the good run', () => {
    // 99/100 is good at 0.99: the function answered from 20.1 s on and stayed above the threshold
    const mixed = historyOf([
      applied('power#1', 10),
      ...run('admission', 10, 20, 'bad'),
      bucket('admission', 20, 100, 99, { firstSuccessAt: at(20.1), lastFailureAt: at(20.3) }),
      ...run('admission', 21, 30, 'good'),
    ]);
    expect(rto(mixed).recoveredAt).to.equal(at(20.1));
  });

  it('places the recovery at the first success after the last failure of the bucket in which the fault was healed', () => {
    // the heal bucket is bad (4/10): its last failure started at 19.3 s, the first success after it at 19.35 s
    const h = historyOf([
      applied('power#1', 10),
      ...run('admission', 10, 19, 'bad'),
      bucket('admission', 19, 10, 4, { firstSuccessAt: at(19.32), lastFailureAt: at(19.3), firstSuccessAfterLastFailureAt: at(19.35) }),
      ...run('admission', 20, 30, 'good'),
    ]);
    expect(rto(h).recoveredAt).to.equal(at(19.35));
    expect(rto(h).rtoMs).to.equal(9_350);
  });

  it('never places anything before the applied instant', () => {
    // fault applied mid-bucket; that bucket is already bad
    const h = historyOf([...run('admission', 0, 10, 'good'), applied('power#1', 10.5), ...run('admission', 10, 15, 'bad'), ...run('admission', 15, 25, 'good')]);
    const r = rto(h);
    expect(r.outageStartAt).to.equal(at(10.5));
    expect(r.timeToImpactMs).to.equal(0);
    expect(r.rtoMs).to.equal(4_500);
  });

  it('does not count a flap as recovery: good 2 s, bad again, then good for the hold', () => {
    const h = historyOf([
      applied('power#1', 10),
      ...run('admission', 10, 20, 'bad'),
      ...run('admission', 20, 22, 'good'),
      ...run('admission', 22, 25, 'bad'),
      ...run('admission', 25, 35, 'good'),
    ]);
    const r = rto(h);
    expect(r.status).to.equal('recovered');
    expect(r.recoveredAt).to.equal(at(25));
    expect(r.rtoMs).to.equal(15_000);
    expect(r.flaps).to.equal(1);
    expect(r.badBuckets).to.equal(13);
  });

  it('reports a function that never recovered', () => {
    const h = historyOf([...run('admission', 0, 10, 'good'), applied('power#1', 10), ...run('admission', 10, 40, 'bad')]);
    const r = rto(h);
    expect(r.status).to.equal('not-recovered');
    expect(r.recoveredAt).to.equal(null);
    expect(r.rtoMs).to.equal(null);
    expect(r.rtoScenarioMs).to.equal(null);
    expect(r.candidateRecoveryAt).to.equal(undefined);
    expect(rtoVerdict(h).status).to.equal('fail');
  });

  it('gives RTO 0 when the function never went below the threshold', () => {
    const h = historyOf([applied('power#1', 10), ...run('admission', 0, 30, 'good'), ...run('admission', 10, 11, 'empty')]);
    const r = rto(h);
    expect(r.status).to.equal('recovered');
    expect(r.rtoMs).to.equal(0);
    expect(r.withoutOutage).to.equal(true);
    expect(r.recoveredAt).to.equal(at(10));
    expect(r.summary).to.contain('recovered without an outage');
    expect(rtoVerdict(h, { maxRtoMs: 0 }).status).to.equal('pass');
  });

  it('lets zero-attempt buckets neither break the hold nor count toward it', () => {
    // good 15–16, nobody asks 17–19 (18 not even reported), good 20–22: 5 s of good buckets → recovered at 15
    const gap = historyOf([
      applied('power#1', 10),
      ...run('admission', 10, 15, 'bad'),
      ...run('admission', 15, 17, 'good'),
      bucket('admission', 17, 0, 0),
      bucket('admission', 19, 0, 0),
      ...run('admission', 20, 23, 'good'),
    ]);
    expect(rto(gap).recoveredAt).to.equal(at(15));
    // the same quiet stretch with only 4 s of good buckets after it does not make the 5 s hold
    const short = historyOf([
      applied('power#1', 10),
      ...run('admission', 10, 15, 'bad'),
      ...run('admission', 15, 17, 'good'),
      ...run('admission', 17, 40, 'empty'),
      ...run('admission', 40, 42, 'good'),
    ]);
    const r = rto(short);
    expect(r.status).to.equal('not-recovered');
    expect(r.candidateRecoveryAt).to.equal(at(15));
  });

  it('says no-data when the function had no attempts after the fault', () => {
    const h = historyOf([...run('admission', 0, 10, 'good'), applied('power#1', 10), ...run('admission', 10, 20, 'empty')]);
    expect(rto(h).status).to.equal('no-data');
    expect(rtoVerdict(h).status).to.equal('unknown');
  });

  it('reports the RTO in scenario time at clock scale 60', () => {
    const h = historyOf([applied('power#1', 10), ...run('admission', 10, 20, 'bad'), ...run('admission', 20, 30, 'good')], 60);
    const r = rto(h);
    expect(r.rtoMs).to.equal(10_000);
    expect(r.rtoScenarioMs).to.equal(600_000); // ten scenario minutes
    expect(r.appliedScenarioMs).to.equal(600_000);
    expect(r.recoveredScenarioMs).to.equal(1_200_000);
    expect(rtoVerdict(h, { maxRtoScenarioMs: 9 * 60_000 }).status).to.equal('fail');
    expect(rtoVerdict(h, { maxRtoScenarioMs: 10 * 60_000 }).status).to.equal('pass');
  });

  it('judges each function against its own maximum and lists unapplied faults as unknown', () => {
    const h = historyOf([
      applied('power#1', 10),
      ...run('admission', 10, 20, 'bad'),
      ...run('admission', 20, 30, 'good'),
      ...run('journal-lookup', 10, 12, 'bad'),
      ...run('journal-lookup', 12, 30, 'good'),
    ]);
    const results = rtoByFault(h);
    expect(results.map((r) => [r.fn, r.rtoMs])).to.deep.equal([
      ['admission', 10_000],
      ['journal-lookup', 2_000],
    ]);
    const v = rtoVerdict(h, { maxRtoMs: { default: 5_000, admission: 15_000 } });
    expect(v.status).to.equal('pass');
    expect(rtoVerdict(h, { maxRtoMs: 5_000 }).children!.map((c) => c.status)).to.deep.equal(['fail', 'pass']);

    const withScheduledOnly = historyOf([
      ...h.all().map(({ scenarioMs: _s, ...e }) => e),
      { kind: 'fault', id: 'switch#1', fault: 'core-switch', stage: 'scheduled', target: 'site-a', t: at(12) },
    ]);
    const v2 = rtoVerdict(withScheduledOnly, { maxRtoMs: { default: 5_000, admission: 15_000 } });
    expect(v2.status).to.equal('unknown');
    expect(v2.children!.at(-1)!.summary).to.contain('switch#1 was never applied');
  });

  it('is unknown, not failed, while a recovery within the maximum is still inside its hold at the end', () => {
    const h = historyOf([applied('power#1', 10), ...run('admission', 10, 20, 'bad'), ...run('admission', 20, 22, 'good')]);
    expect(rto(h).status).to.equal('not-recovered');
    expect(rtoVerdict(h, { maxRtoMs: 30_000 }).status).to.equal('unknown');
    expect(rtoVerdict(h, { maxRtoMs: 5_000 }).status).to.equal('fail');
  });

  it('is unknown when no fault was applied', () => {
    expect(rtoVerdict(historyOf(run('admission', 0, 10, 'good'))).status).to.equal('unknown');
  });
});
