import { expect } from 'chai';
import { isSyntheticCpr, syntheticCpr } from '../../harness/fhir/synthetic-cpr.js';
import { clinicalNote, syntheticPatient, WRITE_ID_SYSTEM } from '../../harness/fhir/resources.js';

describe('synthetic patient data', () => {
  it('makes CPR numbers that cannot be a real person’s (month 00)', () => {
    for (let i = 0; i < 1000; i++) {
      const cpr = syntheticCpr();
      expect(cpr).to.match(/^\d{10}$/);
      expect(cpr.slice(2, 4)).to.equal('00');
      expect(isSyntheticCpr(cpr)).to.equal(true);
    }
    expect(isSyntheticCpr('0101701234')).to.equal(false);
  });

  it('tags every clinical write with a client-side write id', () => {
    const a = clinicalNote('p1', 'tekst');
    const b = clinicalNote('p1', 'tekst');
    const idOf = (r: typeof a) => (r.identifier as { system: string; value: string }[])[0]!;
    expect(idOf(a).system).to.equal(WRITE_ID_SYSTEM);
    expect(idOf(a).value).to.not.equal(idOf(b).value);
    expect(Buffer.from(((a.content as { attachment: { data: string } }[])[0]!.attachment.data), 'base64').toString()).to.equal('tekst');
    expect((syntheticPatient().identifier as { system: string }[])[0]!.system).to.equal('urn:oid:1.2.208.176.1.2');
  });
});
