import { expect } from 'chai';
import { InvalidInputError } from '../../harness/errors.js';
import { availability, lostWrites, rto, staleness } from '../../harness/experiment/checks.js';
import type { NewEvent } from '../../harness/history/events.js';
import { applied, at, historyOf, phase, run, write } from './checkers/fixtures.js';

const MIN = 60_000;

/**
 * At 60×: baseline 0–10 s, the WAN cut (fault 'wan') from 10 s breaks referral until `backAt` (20 s), recovery
 * from 20 s — or, with `end`, the scenario ends there (the phase the run skeleton records).
 */
function wanCut(scale = 60, { backAt = 20, end }: { backAt?: number; end?: number } = {}) {
  const events: NewEvent[] = [
    phase('baseline', 0),
    phase('wan cut', 10),
    end === undefined ? phase('recovery', 20) : phase('end', end),
    { kind: 'fault', id: 'wan-cut#1', fault: 'wan-cut', stage: 'scheduled', target: 'wan', step: 'wan', t: at(10) },
    applied('wan-cut#1', 10, 'wan-cut'),
    ...run('referral', 0, 10, 'good'),
    ...run('referral', 10, backAt, 'bad'),
    ...run('referral', backAt, 30, 'good'),
    ...run('read-only-lookup', 0, 30, 'good'),
  ];
  return historyOf(events, scale);
}

describe('experiment: checks', () => {
  it('availability: a failure says expected, measured, counts, the phase and both clocks', () => {
    const v = availability('referral').in('wan cut').atLeast(0.99).evaluate(wanCut());
    expect(v.status).to.equal('fail');
    const leaf = v.children![0]!;
    expect(leaf.summary).to.contain('referral: 0.00 % < 99.00 %');
    expect(leaf.summary).to.contain('(0/100)');
    // 10 s of wall time at 60× is 10 scenario minutes
    expect(leaf.summary).to.match(/in wan cut \[scenario 10 min–20 min, wall 22:13:30\.000–22:13:40\.000\]/);
    expect(availability('read-only-lookup').in('wan cut').atLeast(0.99).evaluate(wanCut()).status).to.equal('pass');
  });

  it('availability at most: a function the fault must break', () => {
    expect(availability('referral').in('wan cut').atMost(0.05).evaluate(wanCut()).status).to.equal('pass');
    const v = availability('read-only-lookup').in('wan cut').atMost(0.05).evaluate(wanCut());
    expect(v.status).to.equal('fail');
    expect(v.children![0]!.summary).to.contain('100.00 % > 5.00 %');
  });

  it('rto: finds the fault by its timeline name and judges the RTO in scenario time', () => {
    // back 10 s wall after the cut = 10 scenario minutes at 60×
    expect(rto({ fault: 'wan', functions: 'referral' }).within('11 min').evaluate(wanCut()).status).to.equal('pass');
    const late = rto({ fault: 'wan', functions: 'referral' }).within('9 min').evaluate(wanCut());
    expect(late.status).to.equal('fail');
    expect(late.children![0]!.summary).to.match(/recovered in 10\.0 min scripted \(10\.0 s wall\), above the maximum 9\.0 min scenario/);
    const none = rto({ fault: 'power', functions: 'referral' }).within('1 h').evaluate(wanCut());
    expect(none.status).to.equal('unknown');
    expect(none.summary).to.equal("no fault named 'power' was injected in this run");
  });

  it('rto: judged up to the scenario\'s end — a function back only once the harness healed after it did not recover', () => {
    // the WAN stays cut to the end (20 s); the harness heals it after, and referral answers again from 22 s
    const v = rto({ fault: 'wan', functions: 'referral' }).within('1 h').evaluate(wanCut(60, { backAt: 22, end: 20 }));
    expect(v.status).to.equal('fail');
    expect(v.children![0]!.summary).to.contain('not recovered');
  });

  it('lost writes: unknown without a read-back, pass when every acknowledged write is there', () => {
    const h = historyOf([write('w1', 'acknowledged', 1, { resourceId: 'r1' }), write('w2', 'failed', 2)]);
    expect(lostWrites().none().evaluate(h).status).to.equal('unknown');
    const readBack = [{ writeId: 'w1', resourceId: 'r1', resourceType: 'DocumentReference' }];
    expect(lostWrites().none().evaluate(h, { readBack }).status).to.equal('pass');
    expect(lostWrites().none().evaluate(h, { readBack: [] }).status).to.equal('fail');
    expect(lostWrites().atMost(1).evaluate(h, { readBack: [] }).status).to.equal('pass');
  });

  it('staleness: a bound in scenario time, judged against wall-clock staleness at the run\'s scale', () => {
    const events: NewEvent[] = [phase('wan cut', 0)];
    // the replica's newest heartbeat stays at 0 s while the WAN is cut for 10 s of wall time
    for (let s = 0; s <= 10; s += 0.5) {
      events.push({ kind: 'staleness', t: at(s), reader: 'b-db', via: 'sql', link: 'b-db-admin', heartbeatAt: at(0), stalenessMs: s * 1000, unreachable: false });
    }
    events.push(phase('recovery', 10.25));
    const h = historyOf(events, 60); // 10 s wall = 10 scenario minutes
    expect(staleness('b-db').in('wan cut').atMost('11 min').evaluate(h).status).to.equal('pass');
    expect(staleness('b-db').in('wan cut').atMost('9 min').evaluate(h).status).to.equal('fail');
    expect(staleness('nobody').in('wan cut').atMost('9 min').evaluate(h).status).to.equal('unknown');
  });

  it('refuses what it cannot mean, naming it', () => {
    expect(() => availability('surgery' as never)).to.throw(InvalidInputError, "unknown clinical function 'surgery'");
    expect(() => availability('referral').in('x').atLeast(99)).to.throw(InvalidInputError, "availability(referral).in('x').atLeast(…): a share from 0 to 1, got 99 (if you meant 99 %, write 0.99)");
    // experiment files load without a type check, so a share may arrive as text
    expect(() => availability('referral').in('x').atMost('99.5 %' as never)).to.throw(InvalidInputError, "got '99.5 %' (for 99.5 %, write 0.995)");
    expect(() => availability('referral').in('x').atLeast('most' as never)).to.throw(InvalidInputError, /a share from 0 to 1, got 'most'$/);
    expect(() => availability('referral').in('x').atLeast(-0.1)).to.throw(InvalidInputError, /got -0.1$/);
    expect(availability('referral').in('x').atLeast(0.99).expectation).to.equal('referral ≥ 99.00 % in x');
    expect(() => rto({ fault: 'wan' }).within('soon')).to.throw(InvalidInputError, /'soon' is not a duration/);
    expect(MIN).to.equal(60_000);
  });
});
