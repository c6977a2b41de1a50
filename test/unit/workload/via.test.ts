import { expect } from 'chai';
import { doorsOf } from '../../../harness/workload/via.js';

describe('workload: the front door each function goes through', () => {
  it('is the published link on the target URL’s port; a port the stack does not publish has none', () => {
    const links = { 'epj-front': 41001, 'a-epj-front': 41003, 'a-epj-admin': 41004 };
    expect(
      doorsOf(
        { 'clinical-note': 'http://127.0.0.1:41001', admission: 'http://127.0.0.1:41003/', referral: 'http://localhost:9' },
        links,
      ),
    ).to.deep.equal({ 'clinical-note': 'epj-front', admission: 'a-epj-front' });
    expect(doorsOf({ 'clinical-note': 'http://127.0.0.1:41001' }, {})).to.deep.equal({});
  });
});
