import { expect } from 'chai';
import { bootStepKind } from '../../harness/faults/composite/site-power.js';

/** How long the scenario clock waits after each step of a site's boot (harness/faults/composite/site-power.ts). */
describe('site power: what each boot step does to the scenario clock', () => {
  const returning = { returns: true };
  const gone = { returns: false };

  it('Holstebro: servers booting with the switch off are over at once; the switch is an act while the integrations are still out; the last step restores', () => {
    expect(bootStepKind('a-db', false, [returning, returning, returning])).to.equal('break');
    expect(bootStepKind('a-epj', false, [returning, returning])).to.equal('break');
    expect(bootStepKind('core-switch', false, [returning])).to.equal('act');
    expect(bootStepKind('integration-engine', true, [])).to.equal('restore');
  });

  it('a site that comes back all at once: the switch and the first servers are acts, the last server restores', () => {
    expect(bootStepKind('core-switch', false, [returning, returning])).to.equal('act');
    expect(bootStepKind('a-db', true, [returning])).to.equal('act');
    expect(bootStepKind('a-epj', true, [])).to.equal('restore');
  });

  it('a later component declared not to come back does not hold the site from being whole', () => {
    expect(bootStepKind('a-epj', true, [gone])).to.equal('restore');
    expect(bootStepKind('core-switch', false, [gone, gone])).to.equal('restore');
  });
});
