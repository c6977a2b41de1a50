import { expect } from 'chai';
import { InvalidInputError } from '../../../harness/errors.js';
import { CLINICAL_FUNCTIONS } from '../../../harness/stack/definition.js';
import { defaultProfile, onlyFunctions, profileTotals, scaleProfile } from '../../../harness/workload/profile.js';

describe('workload: load profile', () => {
  it('drives every clinical function, 100 attempts/s in all, several reads per write', () => {
    for (const fn of CLINICAL_FUNCTIONS) expect(defaultProfile[fn], fn).to.be.at.least(4);
    const t = profileTotals(defaultProfile);
    expect(t.attemptsPerSecond).to.equal(100);
    expect(t.readAttemptsPerSecond).to.equal(55);
    expect(t.writeAttemptsPerSecond).to.equal(45);
    expect(t.readRequestsPerSecond).to.equal(55 * 4 + 7); // lookups are 4 requests, a discharge reads first
    expect(t.writeRequestsPerSecond).to.equal(45);
    expect(t.httpRequestsPerSecond).to.equal(272);
    expect(t.readsPerWrite).to.be.within(4, 6);
  });

  it('keeps the documentation : ordering ratio of clinicians’ EHR time (24 : 17)', () => {
    const documentation = defaultProfile['clinical-note'];
    const ordering = defaultProfile['e-prescription'] + defaultProfile.referral;
    expect(documentation / ordering).to.be.closeTo(24 / 17, 0.05);
    expect(defaultProfile['journal-lookup'] + defaultProfile['read-only-lookup']).to.be.above(documentation * 33 / 24);
    expect(defaultProfile.discharge).to.be.below(defaultProfile.admission); // the pool of admitted never drains
  });

  it('scales the mix by a factor without changing its shape', () => {
    const x10 = scaleProfile(defaultProfile, 10);
    expect(profileTotals(x10).attemptsPerSecond).to.equal(1000);
    for (const fn of CLINICAL_FUNCTIONS) expect(x10[fn]).to.equal(defaultProfile[fn] * 10);
    const half = scaleProfile(defaultProfile, 0.5);
    expect(half.referral).to.equal(2);
    expect(Object.isFrozen(x10)).to.equal(true);
    expect(() => scaleProfile(defaultProfile, 0)).to.throw(InvalidInputError);
    expect(() => scaleProfile(defaultProfile, Number.NaN)).to.throw(InvalidInputError);
  });

  it('keeps only the functions a stack serves', () => {
    const p = onlyFunctions(defaultProfile, ['journal-lookup', 'read-only-lookup']);
    expect(profileTotals(p).writeAttemptsPerSecond).to.equal(0);
    expect(profileTotals(p).readsPerWrite).to.equal(Infinity);
    expect(() => profileTotals({ ...defaultProfile, admission: -1 })).to.throw(InvalidInputError);
  });
});
