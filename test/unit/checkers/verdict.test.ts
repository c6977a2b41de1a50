import { expect } from 'chai';
import { composeVerdicts, worstStatus, type Verdict } from '../../../harness/checkers/index.js';

const v = (status: Verdict['status']): Verdict => ({ checker: status, status, summary: status });

describe('checkers: verdict composition', () => {
  it('lets fail beat unknown and unknown beat pass', () => {
    expect(composeVerdicts('all', [v('pass'), v('unknown'), v('fail'), v('pass')]).status).to.equal('fail');
    expect(composeVerdicts('all', [v('pass'), v('unknown'), v('pass')]).status).to.equal('unknown');
    expect(composeVerdicts('all', [v('pass'), v('pass')]).status).to.equal('pass');
    expect(worstStatus(['unknown', 'fail'])).to.equal('fail');
  });

  it('treats an empty list as unknown, never as pass', () => {
    const composed = composeVerdicts('nothing', []);
    expect(composed.status).to.equal('unknown');
    expect(worstStatus([])).to.equal('unknown');
  });

  it('keeps the children and counts them in the summary', () => {
    const composed = composeVerdicts('all', [v('pass'), v('fail'), v('fail')]);
    expect(composed.checker).to.equal('all');
    expect(composed.children).to.have.length(3);
    expect(composed.summary).to.contain('2 fail').and.contain('1 pass').and.contain('of 3');
  });

  it('nests: a composed verdict composes again', () => {
    const inner = composeVerdicts('inner', [v('unknown')]);
    expect(composeVerdicts('outer', [v('pass'), inner]).status).to.equal('unknown');
  });
});
