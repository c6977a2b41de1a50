import { expect } from 'chai';
import { whatIfFailover } from '../../../harness/checkers/index.js';
import type { NewEvent } from '../../../harness/history/events.js';
import type { ClinicalFunction } from '../../../harness/stack/definition.js';
import { replicationModeOf, serverSettings } from '../../../harness/probes/replication-mode.js';
import { parseStackDefinition } from '../../../harness/stack/definition.js';
import { REPLICATION_MODES, referenceStack } from '../../../harness/stack/reference-stack.js';
import { at, historyOf, phase, write } from './fixtures.js';

/** A staleness sample of replica `reader` at second `s` that shows the heartbeat written at second `hb`. */
function sample(s: number, hb: number, reader = 'b-db', unreachable = false): NewEvent {
  return { kind: 'staleness', t: at(s), reader, via: 'sql', link: `${reader}-admin`, heartbeatAt: at(hb), stalenessMs: at(s) - at(hb), unreachable };
}

/**
 * 10 acknowledged writes/s (every 100 ms, at .05 past) for seconds [0, 20): clinical notes, every fifth an
 * admission. The replica applies 2 s behind: samples every 500 ms show the heartbeat written 2 s earlier.
 */
function delayed(delayS = 2, seconds = 20) {
  const events: NewEvent[] = [phase('run', 0)];
  for (let k = 0; k < seconds * 10; k++) {
    const fn: ClinicalFunction = k % 5 === 0 ? 'admission' : 'clinical-note';
    events.push(write(`w${k}`, 'acknowledged', k / 10 + 0.05, { fn }));
  }
  for (let s = 0; s < seconds; s += 0.5) events.push(sample(s, s - delayS));
  return historyOf(events);
}

describe('checkers: what-if failover', () => {
  it('counts, each second, the acknowledged writes the replica has not proven applied: writes/s × delay', () => {
    const r = whatIfFailover(delayed());
    expect(r).to.include({ replica: 'b-db', basis: 'heartbeat', replication: 'async', from: at(0), acknowledged: 200, unknownSeconds: 0 });
    // from second 2 on, every point sees exactly the 20 writes of the last 2 s
    const steady = r.perSecond.filter((p) => p.second >= at(2));
    expect(steady.length).to.equal(18);
    for (const p of steady) {
      expect(p.t, 'evaluated at the second’s last sample').to.equal(p.second + 500);
      expect(p.wouldLose).to.equal(20);
      expect(p.byFunction).to.deep.equal({ admission: 4, 'clinical-note': 16 });
      expect(p.appliedBefore).to.equal(p.t - 2000);
    }
    expect(r.perSecond[0]).to.include({ second: at(0), t: at(0.5), wouldLose: 5 }); // writes at 0.05 … 0.45
    expect(r.max).to.include({ wouldLose: 20, t: at(2) });
    expect(r.verdict.status).to.equal('fail');
    expect(r.verdict.summary).to.equal(
      'a failover at the worst instant (scenario 2.0 s) would lose 20 of 200 acknowledged writes (admission 4, clinical-note 16) > 0 allowed — proven by heartbeats at b-db',
    );
    expect(whatIfFailover(delayed(), { maxWouldLose: 20 }).verdict.status).to.equal('pass');
  });

  it('scales with the delay', () => {
    for (const d of [0.5, 1, 3]) {
      const level = whatIfFailover(delayed(d)).perSecond.filter((p) => p.second >= at(4)).map((p) => p.wouldLose);
      expect(new Set(level), `delay ${d} s`).to.deep.equal(new Set([d * 10]));
    }
  });

  it('is exactly 0 under remote_apply, by construction, whatever the samples say', () => {
    const r = whatIfFailover(delayed(), { replication: 'remote_apply' });
    expect(r.basis).to.equal('synchronous');
    expect(r.perSecond.length).to.equal(20);
    for (const p of r.perSecond) {
      expect(p.wouldLose).to.equal(0);
      expect(p.appliedBefore).to.equal(p.t);
    }
    expect(r.max!.wouldLose).to.equal(0);
    expect(r.verdict.status).to.equal('pass');
    expect(r.verdict.summary).to.contain('remote_apply: every acknowledged write was applied');
    // without any sample at all, too
    const blind = historyOf([write('w1', 'acknowledged', 1), write('w2', 'acknowledged', 2.5)]);
    expect(whatIfFailover(blind, { replication: 'remote_apply' }).perSecond.map((p) => p.wouldLose)).to.deep.equal([0, 0]);
  });

  it('counts a retried write once, and never an unknown or failed one', () => {
    const h = historyOf([
      sample(0.5, 0),
      write('retried', 'unknown', 0.6),
      write('retried', 'acknowledged', 0.7),
      write('retried', 'acknowledged', 0.8),
      write('timed-out', 'unknown', 0.7),
      write('refused', 'failed', 0.7),
      sample(0.9, 0.1),
    ]);
    const r = whatIfFailover(h);
    expect(r.acknowledged).to.equal(1);
    expect(r.perSecond).to.have.length(1);
    expect(r.perSecond[0]).to.include({ t: at(0.9), wouldLose: 1 });
  });

  it('keeps growing while the replica is cut off: its last heartbeat proves nothing newer', () => {
    const events: NewEvent[] = [];
    for (let k = 0; k < 100; k++) events.push(write(`w${k}`, 'acknowledged', k / 10 + 0.05));
    for (let s = 0; s < 10; s += 0.5) events.push(sample(s, Math.min(s - 0.1, 3), 'b-db', s >= 6));
    const r = whatIfFailover(historyOf(events));
    // 0.1 s behind until heartbeat 3 is the last through; from 6 s the replica does not answer, and keeps its 3
    expect(r.perSecond.map((p) => p.wouldLose)).to.deep.equal([1, 1, 1, 5, 15, 25, 35, 45, 55, 65]);
  });

  it('never lets a slow answer showing an older heartbeat undo a proof', () => {
    const h = historyOf([write('a', 'acknowledged', 0.2), write('b', 'acknowledged', 0.6), sample(0.7, 0.65), sample(0.8, 0.1)]);
    expect(whatIfFailover(h).perSecond[0]).to.include({ t: at(0.8), wouldLose: 0, appliedBefore: at(0.65) });
  });

  it('is unknown before anything is known of the replica, and says which seconds', () => {
    const r = whatIfFailover(delayed(), { from: at(-3) });
    expect(r.unknownSeconds).to.equal(3);
    expect(r.perSecond.slice(0, 3).map((p) => p.wouldLose)).to.deep.equal([null, null, null]);
    expect(r.verdict.summary).to.contain('3 s with nothing known of the replica');

    const noSamples = whatIfFailover(historyOf([write('w', 'acknowledged', 1)]));
    expect(noSamples.basis).to.equal('none');
    expect(noSamples.verdict.status).to.equal('unknown');
    expect(noSamples.verdict.summary).to.contain('no replica was sampled');

    const noWrites = whatIfFailover(historyOf([sample(1, 0.9), sample(2, 1.9)]));
    expect(noWrites.verdict.status).to.equal('unknown');
    expect(noWrites.max!.wouldLose).to.equal(0);
  });

  it('needs the replica named when several were sampled, and evaluates a phase window', () => {
    const events: NewEvent[] = [phase('before', 0), phase('lag', 5), phase('after', 10)];
    for (let k = 0; k < 150; k++) events.push(write(`w${k}`, 'acknowledged', k / 10 + 0.05));
    for (let s = 0; s < 15; s += 0.5) {
      events.push(sample(s, s >= 5 && s < 10 ? s - 1 : s - 0.1, 'b-db'));
      events.push(sample(s, s - 0.1, 'c-db'));
    }
    const h = historyOf(events);
    const ambiguous = whatIfFailover(h);
    expect(ambiguous.basis).to.equal('none');
    expect(ambiguous.verdict.summary).to.contain('several replicas were sampled (b-db, c-db)');
    const lag = whatIfFailover(h, { replica: 'b-db', phase: 'lag' });
    expect(lag.from).to.equal(at(5));
    expect(lag.to).to.equal(at(10));
    expect(lag.perSecond.map((p) => p.wouldLose)).to.deep.equal([10, 10, 10, 10, 10]);
    expect(whatIfFailover(h, { replica: 'c-db', phase: 'lag' }).max!.wouldLose).to.equal(1);
  });
});

describe('replication mode of a stack definition', () => {
  it('reads the reference stack’s synchronous_commit and synchronous_standby_names flags', () => {
    for (const mode of REPLICATION_MODES) {
      expect(replicationModeOf(parseStackDefinition(referenceStack({ replication: mode }))), mode).to.equal(mode);
    }
  });

  it('understands the spellings of server flags; no standby names means async', () => {
    expect([...serverSettings(['-c', 'a=1', '-cb=2', '--synchronous-commit=remote_apply', 'postgres'])]).to.deep.equal([
      ['a', '1'],
      ['b', '2'],
      ['synchronous_commit', 'remote_apply'],
    ]);
    const def = parseStackDefinition(referenceStack({ replication: 'remote_apply' }));
    const primary = def.containers.find((c) => c.name === 'a-db')!;
    primary.command = ['-c', 'synchronous_commit=remote_apply'];
    expect(replicationModeOf(def)).to.equal('async');
    primary.command = ['-c', "synchronous_standby_names='b_db'"];
    expect(replicationModeOf(def), 'PostgreSQL’s default synchronous_commit is on').to.equal('on');
    primary.command = ['-c', 'synchronous_standby_names=b_db', '-c', 'synchronous_commit=local'];
    expect(replicationModeOf(def)).to.equal('async');
  });
});
