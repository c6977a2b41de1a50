import { expect } from 'chai';
import { rtoOf, rtoVerdict } from '../../harness/checkers/rto.js';
import { untilScenario } from '../../harness/faults/scenario-time.js';
import { Clock } from '../../harness/history/clock.js';
import { History } from '../../harness/history/history.js';
import { SettleWatch } from '../../harness/timeline/settle.js';
import { sleep } from '../../harness/stack/wait/poll.js';
import { applied, at, bucket, run, T0 } from './checkers/fixtures.js';

const MIN = 60_000;

describe('scenario clock: compress the waits, never the work', () => {
  it('runs scripted waits at the scale and measured work 1:1, and maps both ways', () => {
    // 600×: 2 s of wall are 20 scenario minutes; then 1.1 s of measured failover work; then scripted again
    const c = Clock.fromSegments(600, [
      { wall: T0, scenario: 0, mark: 'scripted' },
      { wall: at(2), scenario: 20 * MIN, mark: 'measured' },
      { wall: at(3.1), scenario: 20 * MIN + 1100, mark: 'scripted' },
    ]);
    expect(c.toScenario(at(1))).to.equal(10 * MIN);
    expect(c.toScenario(at(2.5))).to.equal(20 * MIN + 500);
    expect(c.toScenario(at(4.1))).to.equal(20 * MIN + 1100 + 600_000);
    expect(c.toWall(20 * MIN + 500)).to.equal(at(2.5));
    expect(c.toWall(30 * MIN + 1100)).to.equal(at(4.1));
    expect(c.markAt(at(1))).to.equal('scripted');
    expect(c.markAt(at(3))).to.equal('measured');
    expect(c.split(at(0), at(3.1))).to.deep.equal({ scriptedMs: 20 * MIN, measuredMs: 1100 });
    expect(c.split(at(2.5), at(4.1))).to.deep.equal({ scriptedMs: 10 * MIN, measuredMs: 600 });
    // before scenario 0 (the steady-state gate) the clock runs at the scale, backwards
    expect(c.toScenario(at(-1))).to.equal(-10 * MIN);
  });

  it('RTO after a scripted 20-min wait at 600× plus a failover = 20 min scripted + the failover\'s measured seconds', () => {
    const c = Clock.fromSegments(600, [
      { wall: T0, scenario: 0, mark: 'scripted' },
      { wall: at(2), scenario: 20 * MIN, mark: 'measured' },
      { wall: at(4), scenario: 20 * MIN + 2000, mark: 'scripted' },
    ]);
    const h = new History(c);
    // the function is down from the fault (t = 0) until 1.3 s after the operator's failover began (t = 2 s)
    const events = [applied('power#1', 0), ...run('admission', 0, 3, 'bad'), bucket('admission', 3, 10, 7, { firstFailureAt: at(3), lastFailureAt: at(3.2), firstSuccessAfterLastFailureAt: at(3.3), firstSuccessAt: at(3.3) }), ...run('admission', 4, 12, 'good')];
    for (const e of events.sort((a, b) => (a.t ?? 0) - (b.t ?? 0))) h.record(e);
    const r = rtoOf(h, h.ofKind('fault')[0]!, 'admission');
    expect(r.status).to.equal('recovered');
    expect(r.rtoMs).to.equal(3300);
    expect(r.rtoSplit).to.deep.equal({ scriptedMs: 20 * MIN, measuredMs: 1300 });
    expect(r.rtoScenarioMs).to.equal(20 * MIN + 1300); // not 3.3 s × 600 = 33 min
    expect(r.summary).to.contain('20.0 min scripted + 1.3 s measured');
    expect(rtoVerdict(h, { maxRtoScenarioMs: 21 * MIN }).status).to.equal('pass');
    expect(rtoVerdict(h, { maxRtoScenarioMs: 20 * MIN + 1000 }).status).to.equal('fail');
  });

  it('slows to 1:1 during measured work, live, and a waiter for a scenario instant follows the change of pace', async () => {
    const c = new Clock(100, Date.now());
    const started = Date.now();
    // scenario 20 s is 200 ms of wall at 100× — unless 300 ms of measured work start first
    const end = c.beginMeasured();
    const reached = untilScenario(c, 20_000);
    await sleep(300);
    end();
    await reached;
    const took = Date.now() - started;
    // 300 ms of work count 300 scenario ms; the remaining 19.7 s of scenario take 197 ms at 100×
    expect(took).to.be.within(480, 3000); // a clock that kept 100× would have been there after 200 ms
    // (a scripted first segment of a millisecond or so when the clock was made a tick before the work began)
    expect(c.segments.map((s) => s.mark).slice(-2)).to.deep.equal(['measured', 'scripted']);
  });

  it('keeps measuring until the settler says the stack has settled', async () => {
    const c = new Clock(600, Date.now());
    let settle!: () => void;
    c.settler = () => new Promise<void>((r) => (settle = r));
    await c.measure(async () => sleep(20));
    expect(c.markAt(Date.now())).to.equal('measured'); // the work is over, the stack's reaction is not
    settle();
    await sleep(0);
    expect(c.markAt(Date.now())).to.equal('scripted');
  });

  it('the history records each change of pace, and a journal\'s events rebuild the same clock', () => {
    const c = new Clock(60, T0);
    const h = new History(c);
    h.startScenarioAt(T0);
    const end = c.beginMeasured();
    end();
    const rebuilt = History.from([...h.all()]);
    expect(rebuilt.clock.scale).to.equal(60);
    expect(rebuilt.clock.segments.map((s) => s.mark)).to.deep.equal(c.segments.map((s) => s.mark));
    expect(h.ofKind('clock').length).to.be.at.least(2);
    for (const e of h.all()) expect(e.clockMark).to.be.oneOf(['scripted', 'measured']);
  });
});

describe('settle watch', () => {
  it('is settled when every function\'s latest attempts since the work share one outcome', () => {
    const w = new SettleWatch({ sameOutcomes: 3, stableMs: { break: 100, restore: 100 } });
    const since = 1000;
    w.observe('admission', 500, true); // before the work: not counted
    for (const start of [1100, 1200]) w.observe('admission', start, false);
    w.observe('journal-lookup', 1100, true);
    expect(w.isSettled(since)).to.equal(false);
    w.observe('admission', 1300, false);
    for (const start of [1200, 1300]) w.observe('journal-lookup', start, true);
    expect(w.isSettled(since)).to.equal(true);
    w.observe('admission', 1400, true); // coming back: not settled until it stays back
    expect(w.isSettled(since)).to.equal(false);
  });

  it('after restoring work, waits for one outcome held over a longer span: a reconnecting EPJ is still work', () => {
    const w = new SettleWatch({ sameOutcomes: 3, stableMs: { break: 1000, restore: 5000 } });
    // failing for 2 s after the switch came back (timeouts), as the EPJ reconnects
    for (let start = 0; start <= 2000; start += 250) w.observe('journal-lookup', start, false);
    expect(w.isSettled(0, 'break')).to.equal(true);
    expect(w.isSettled(0, 'restore')).to.equal(false);
    for (let start = 2250; start <= 7250; start += 250) w.observe('journal-lookup', start, true);
    expect(w.isSettled(0, 'restore')).to.equal(true);
  });

  it('after restoring work, by default 3 s of service settle a function, but one still failing needs 5 s: a back-off answers errors too', () => {
    const w = new SettleWatch({ sameOutcomes: 3 });
    // an EPJ that lost its database answers 503 for a while before trying again (the planted regression: 5 s)
    for (let start = 0; start <= 4000; start += 250) w.observe('clinical-note', start, false, 'http-5xx', 503);
    for (let start = 0; start <= 4000; start += 250) w.observe('journal-lookup', start, true);
    expect(w.isSettled(0, 'restore'), '4 s of 503: maybe still backing off').to.equal(false);
    for (let start = 4250; start <= 5000; start += 250) w.observe('clinical-note', start, false, 'http-5xx', 503);
    expect(w.isSettled(0, 'restore'), '5 s of 503: down as far as the load can tell').to.equal(true);
    // back after the back-off: 3 s of service settle it
    const back = new SettleWatch({ sameOutcomes: 3 });
    for (let start = 0; start < 2000; start += 250) back.observe('clinical-note', start, false, 'http-5xx', 503);
    for (let start = 2000; start <= 4750; start += 250) back.observe('clinical-note', start, true);
    expect(back.isSettled(0, 'restore'), '2.75 s of service').to.equal(false);
    back.observe('clinical-note', 5000, true);
    expect(back.isSettled(0, 'restore'), '3 s of service').to.equal(true);
  });

  it('after restoring work, a run of timeouts is not settled (still reconnecting); a run of answered errors is', () => {
    const w = new SettleWatch({ sameOutcomes: 3, stableMs: { break: 1000, restore: 5000 } });
    // 7 s of timeouts after the switch came back: the EPJ reconnecting, as a busy run measured
    for (let start = 0; start <= 7000; start += 250) w.observe('journal-lookup', start, false, 'timeout');
    expect(w.isSettled(0, 'restore')).to.equal(false);
    expect(w.isSettled(0, 'break')).to.equal(true); // breaking work: failing is what it was for
    expect(w.isSettled(0, 'act')).to.equal(true); // an operator's action: its reach is not known, timeouts may be by design
    // a function down by design answers its errors (the integration engine still off): settled
    for (let start = 0; start <= 7000; start += 250) w.observe('admission', start, false, 'http-5xx');
    for (let start = 7250; start <= 12_250; start += 250) w.observe('journal-lookup', start, true);
    expect(w.isSettled(0, 'restore')).to.equal(true);
  });

  it('after restoring work, timeouts that turn into answered errors settle once the answered ones hold their span', () => {
    const w = new SettleWatch({ sameOutcomes: 3, stableMs: { break: 1000, restore: 5000 } });
    // the EPJ unreachable for 3 s after the work (timeouts), then back, answering 5xx: its integration engine is off
    for (let start = 0; start < 3000; start += 250) w.observe('admission', start, false, 'timeout');
    for (let start = 3000; start < 7000; start += 250) w.observe('admission', start, false, 'http-5xx');
    expect(w.isSettled(0, 'restore'), '4 s of answered errors: not yet the 5-s span').to.equal(false);
    for (let start = 7000; start <= 8000; start += 250) w.observe('admission', start, false, 'http-5xx');
    expect(w.isSettled(0, 'restore'), '5 s of answered errors, though timeouts came first').to.equal(true);
    // and the other way round: answered errors, then timeouts again — the EPJ gone silent is not settled
    for (let start = 8250; start <= 14_000; start += 250) w.observe('admission', start, false, 'timeout');
    expect(w.isSettled(0, 'restore')).to.equal(false);
  });

  it('a refusal on the content is passed over: a steady mix with successes settles back, with answered errors settles down', () => {
    // discharges at B after a split brain's failover: encounters the failover lost are refused 404, among successes
    // once B serves, and among 5xx while B's integration engine is out of reach
    const mixed = (other: { ok: boolean; cause: 'http-5xx' | null; status: number }, refusal: number) => {
      const w = new SettleWatch({ sameOutcomes: 3, stableMs: { break: 1000, restore: 5000 } });
      for (let start = 0; start <= 6000; start += 125) {
        if (start % 500 === 0) w.observe('discharge', start, false, refusal >= 500 ? 'http-5xx' : 'http-4xx', refusal);
        else w.observe('discharge', start, other.ok, other.cause, other.status);
      }
      return w;
    };
    const success = { ok: true, cause: null, status: 200 };
    const error = { ok: false, cause: 'http-5xx' as const, status: 503 };
    expect(mixed(success, 404).isSettled(0, 'restore')).to.equal(true);
    expect(mixed(success, 404).isBack(0)).to.equal(true);
    expect(mixed(error, 404).isSettled(0, 'restore')).to.equal(true);
    expect(mixed(error, 404).isBack(0)).to.equal(false);
    // not refusals: the stack still reacting (an error among successes, too slow, too many)
    for (const status of [503, 408, 429]) expect(mixed(success, status).isSettled(0, 'restore'), `${status} among successes`).to.equal(false);
    // nothing but refusals: the EPJ answers, on the content
    const w = new SettleWatch({ sameOutcomes: 3, stableMs: { break: 1000, restore: 5000 } });
    for (let start = 0; start <= 4000; start += 250) w.observe('discharge', start, false, 'http-4xx', 404);
    expect(w.isSettled(0, 'restore'), 'refusals over 4 s: not yet the span').to.equal(false);
    for (let start = 4250; start <= 6000; start += 250) w.observe('discharge', start, false, 'http-4xx', 404);
    expect(w.isSettled(0, 'restore')).to.equal(true);
    expect(w.isBack(0)).to.equal(true);
  });

  it('gives up at its cap', async () => {
    const w = new SettleWatch({ capMs: 150, intervalMs: 20 });
    w.observe('admission', Date.now(), true);
    expect(await w.settled(Date.now())).to.equal('cap');
  });
});
