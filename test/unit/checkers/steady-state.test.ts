import { expect } from 'chai';
import { continuousSteadyState, phaseWindow, steadyStateVerdict } from '../../../harness/checkers/index.js';
import { at, bucket, historyOf, phase, run } from './fixtures.js';

const fns = ['admission', 'journal-lookup'] as const;

const experiment = () =>
  historyOf([
    phase('baseline', 0),
    phase('fault', 10),
    phase('recovery', 20),
    ...run('admission', 0, 10, 'good'),
    ...run('journal-lookup', 0, 10, 'good'),
    // fault: admission down 12–15 and 17, lookup down 14–16, with a quiet admission bucket at 16
    ...run('admission', 10, 12, 'good'),
    ...run('admission', 12, 15, 'bad'),
    ...run('admission', 15, 16, 'good'),
    bucket('admission', 16, 0, 0),
    ...run('admission', 17, 18, 'bad'),
    ...run('admission', 18, 20, 'good'),
    ...run('journal-lookup', 10, 14, 'good'),
    ...run('journal-lookup', 14, 16, 'bad'),
    ...run('journal-lookup', 16, 20, 'good'),
    ...run('admission', 20, 30, 'good'),
  ]);

describe('checkers: steady state', () => {
  it('passes over the baseline window', () => {
    const h = experiment();
    const v = steadyStateVerdict(h, { functions: [...fns], ...phaseWindow(h, 'baseline')! });
    expect(v.status).to.equal('pass');
    expect(v.children).to.have.length(2);
  });

  it('fails when a function is below its threshold in the window', () => {
    const h = experiment();
    const v = steadyStateVerdict(h, { functions: [...fns], from: at(10), to: at(20) });
    expect(v.status).to.equal('fail');
    expect(v.children!.map((c) => c.status)).to.deep.equal(['fail', 'fail']);
    // 5 of 9 admission buckets with attempts were good: 50/90 ≈ 55.6 % (the quiet bucket does not count)
    expect(steadyStateVerdict(h, { functions: ['admission'], threshold: 0.55, from: at(10), to: at(20) }).status).to.equal('pass');
    expect(steadyStateVerdict(h, { functions: ['admission'], threshold: 0.56, from: at(10), to: at(20) }).status).to.equal('fail');
  });

  it('is unknown when a function in the hypothesis had no attempts', () => {
    const h = experiment();
    const v = steadyStateVerdict(h, { functions: [...fns], from: at(20), to: at(30) });
    expect(v.status).to.equal('unknown');
    expect(v.children!.map((c) => c.status)).to.deep.equal(['pass', 'unknown']);
    expect(steadyStateVerdict(h, { functions: [] }).status).to.equal('unknown');
  });

  it('reports the intervals where the hypothesis was violated, bucket by bucket', () => {
    const h = experiment();
    const r = continuousSteadyState(h, { functions: [...fns], phase: 'fault' });
    expect(r.window).to.deep.equal({ from: at(10), to: at(20) });
    const admission = r.byFunction.find((f) => f.fn === 'admission')!;
    expect(admission.evaluatedBuckets).to.equal(9);
    expect(admission.violations.map((v) => [v.from - at(0), v.to - at(0), v.badBuckets, v.violatingMs])).to.deep.equal([
      [12_000, 15_000, 3, 3_000],
      [17_000, 18_000, 1, 1_000],
    ]);
    // the union across functions: 12–16 (admission 12–15 joined with lookup 14–16), then 17–18
    expect(r.violations.map((v) => [v.from - at(0), v.to - at(0), v.functions])).to.deep.equal([
      [12_000, 16_000, ['admission', 'journal-lookup']],
      [17_000, 18_000, ['admission']],
    ]);
    expect(r.verdict.status).to.equal('fail');
  });

  it('does not end a violation at a zero-attempt bucket', () => {
    const h = historyOf([...run('admission', 0, 2, 'bad'), bucket('admission', 2, 0, 0), ...run('admission', 3, 4, 'bad'), ...run('admission', 4, 6, 'good')]);
    const r = continuousSteadyState(h, { functions: ['admission'] });
    expect(r.byFunction[0]!.violations.map((v) => [v.from - at(0), v.to - at(0), v.badBuckets, v.violatingMs])).to.deep.equal([[0, 4_000, 3, 3_000]]);
  });

  it('passes continuously over a healthy phase and is unknown for a missing phase or a silent function', () => {
    const h = experiment();
    expect(continuousSteadyState(h, { functions: [...fns], phase: 'baseline' }).verdict.status).to.equal('pass');
    expect(continuousSteadyState(h, { functions: [...fns], phase: 'failback' }).verdict.status).to.equal('unknown');
    expect(continuousSteadyState(h, { functions: [...fns], phase: 'recovery' }).verdict.status).to.equal('unknown');
  });
});
