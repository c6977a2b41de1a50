import { expect } from 'chai';
import { availabilityByPhase, availabilityVerdict } from '../../../harness/checkers/index.js';
import { bucket, historyOf, phase, run } from './fixtures.js';

/** baseline 0–10 s all good; fault 10–20 s: admission 0 %, lookup half; recovery 20–30 s: admission back, no lookups */
const threePhases = () =>
  historyOf([
    phase('baseline', 0),
    phase('fault', 10),
    phase('recovery', 20),
    ...run('admission', 0, 10, 'good'),
    ...run('journal-lookup', 0, 10, 'good'),
    ...run('admission', 10, 20, 'bad'),
    ...Array.from({ length: 10 }, (_, i) => bucket('journal-lookup', 10 + i, 10, 5, { failures: { refused: 5 } })),
    ...run('admission', 20, 30, 'good'),
  ]);

describe('checkers: availability', () => {
  it('reports every function in every phase, null where there were no attempts', () => {
    const report = availabilityByPhase(threePhases());
    expect(report.phases.map((p) => p.name)).to.deep.equal(['baseline', 'fault', 'recovery']);
    const table = report.phases.map((p) => p.functions.map((f) => [f.fn, f.attempts, f.successes, f.availability]));
    expect(table).to.deep.equal([
      [
        ['admission', 100, 100, 1],
        ['journal-lookup', 100, 100, 1],
      ],
      [
        ['admission', 100, 0, 0],
        ['journal-lookup', 100, 50, 0.5],
      ],
      [
        ['admission', 100, 100, 1],
        ['journal-lookup', 0, 0, null],
      ],
    ]);
    expect(report.phases[1]!.functions[1]!.failures).to.deep.equal({ refused: 50 });
    expect(report.phases[1]!.functions[0]!.failures).to.deep.equal({ timeout: 100 });
  });

  it('gives the whole-run figure', () => {
    const whole = availabilityByPhase(threePhases()).wholeRun;
    expect(whole.find((f) => f.fn === 'admission')!.availability).to.be.closeTo(200 / 300, 1e-12);
    expect(whole.find((f) => f.fn === 'journal-lookup')!.availability).to.be.closeTo(150 / 200, 1e-12);
  });

  it('lists requested functions even when they never ran', () => {
    const report = availabilityByPhase(threePhases(), { functions: ['referral'] });
    expect(report.wholeRun).to.have.length(1);
    expect(report.wholeRun[0]).to.include({ fn: 'referral', attempts: 0, availability: null });
  });

  it('passes, fails and is unknown per phase and threshold', () => {
    const h = threePhases();
    expect(availabilityVerdict(h, { phases: ['baseline'] }).status).to.equal('pass');
    const fault = availabilityVerdict(h, { phases: ['fault'], threshold: { default: 0.99, 'journal-lookup': 0.5 } });
    expect(fault.status).to.equal('fail');
    expect(fault.children!.map((c) => c.status)).to.deep.equal(['fail', 'pass']);
    expect(availabilityVerdict(h, { phases: ['recovery'] }).status).to.equal('unknown');
    expect(availabilityVerdict(h, { phases: ['failback'] }).status).to.equal('unknown');
    expect(availabilityVerdict(h, { threshold: 0.6 }).status).to.equal('pass'); // whole run: 66.7 % and 75 %
    expect(availabilityVerdict(h, { threshold: 0.7 }).status).to.equal('fail');
  });

  it('is unknown for a history without requests', () => {
    expect(availabilityVerdict(historyOf([phase('baseline', 0)])).status).to.equal('unknown');
  });
});
