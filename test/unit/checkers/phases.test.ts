import { expect } from 'chai';
import { phaseOfBucket, phasesOf, phaseWindow } from '../../../harness/checkers/index.js';
import { at, bucket, historyOf, phase } from './fixtures.js';

describe('checkers: phases', () => {
  const h = historyOf([phase('baseline', 0), phase('fault', 10), phase('recovery', 20), bucket('admission', 29, 1, 1)], 60);

  it('makes each phase last until the next, the last until the end of the history', () => {
    const phases = phasesOf(h);
    expect(phases.map((p) => [p.name, p.index, p.start - at(0), p.end - at(0)])).to.deep.equal([
      ['baseline', 0, 0, 10_000],
      ['fault', 1, 10_000, 20_000],
      ['recovery', 2, 20_000, 30_000],
    ]);
    expect(phases[1]!.startScenarioMs).to.equal(600_000);
    expect(phases[2]!.endScenarioMs).to.equal(1_800_000);
  });

  it('honours an explicit end instant', () => {
    const phases = phasesOf(h, { end: at(25) });
    expect(phases[2]!.end).to.equal(at(25));
    expect(phasesOf(h, { end: at(15) }).map((p) => p.name)).to.deep.equal(['baseline', 'fault']);
  });

  it('puts a bucket in the phase containing its start instant', () => {
    const phases = phasesOf(h);
    const [b] = historyOf([bucket('admission', 9.5, 1, 1)]).ofKind('requests'); // 9.5 s – 10.5 s
    expect(phaseOfBucket(phases, b!)?.name).to.equal('baseline');
    const [c] = historyOf([bucket('admission', 10, 1, 1)]).ofKind('requests');
    expect(phaseOfBucket(phases, c!)?.name).to.equal('fault');
    const [before] = historyOf([bucket('admission', -1, 1, 1)]).ofKind('requests');
    expect(phaseOfBucket(phases, before!)).to.equal(undefined);
  });

  it('finds the window of a named phase, or nothing', () => {
    expect(phaseWindow(h, 'fault')).to.deep.equal({ from: at(10), to: at(20) });
    expect(phaseWindow(h, 'failback')).to.equal(undefined);
  });
});
