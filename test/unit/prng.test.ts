import { expect } from 'chai';
import { isSyntheticCpr, syntheticCpr } from '../../harness/fhir/synthetic-cpr.js';
import { cryptoPrng, mulberry32, prngFor, seededPrng } from '../../harness/util/prng.js';
import { planPatients } from '../../harness/workload/seed.js';

describe('seeded randomness', () => {
  it('mulberry32 is the published generator: the same seed gives the same stream, in [0, 1)', () => {
    const a = mulberry32(42);
    const b = mulberry32(42);
    const xs = Array.from({ length: 1000 }, () => a());
    expect(Array.from({ length: 1000 }, () => b())).to.deep.equal(xs);
    expect(xs.every((x) => x >= 0 && x < 1)).to.equal(true);
    // reference values of mulberry32(42)
    const r = mulberry32(42);
    expect([r(), r(), r()].map((x) => Math.round(x * 4294967296))).to.deep.equal([2581720956, 1925393290, 3661312704]);
    expect(mulberry32(43)()).to.not.equal(mulberry32(42)());
  });

  it('int() keeps crypto.randomInt\'s contract [min, max) and covers it evenly', () => {
    const p = seededPrng(7);
    const counts = new Array<number>(6).fill(0);
    for (let i = 0; i < 60_000; i++) counts[p.int(0, 6)]! += 1;
    for (const c of counts) expect(c).to.be.within(9_500, 10_500);
    for (let i = 0; i < 1000; i++) expect(p.int(-3, -1)).to.be.oneOf([-3, -2]);
    expect(() => p.int(2, 2)).to.throw(RangeError);
    expect(() => seededPrng(1.5)).to.throw(/integer/);
  });

  it('uuid() is version-4 shaped and reproducible', () => {
    const shape = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
    const a = seededPrng(1);
    const b = seededPrng(1);
    for (let i = 0; i < 100; i++) {
      const u = a.uuid();
      expect(u).to.match(shape);
      expect(b.uuid()).to.equal(u);
    }
    expect(cryptoPrng.uuid()).to.match(shape);
    expect(prngFor(undefined)).to.equal(cryptoPrng);
  });

  it('a seeded synthetic CPR number keeps its format and is reproducible', () => {
    const a = seededPrng(99);
    const b = seededPrng(99);
    for (let i = 0; i < 1000; i++) {
      const cpr = syntheticCpr(a);
      expect(isSyntheticCpr(cpr), cpr).to.equal(true);
      expect(Number(cpr.slice(0, 2))).to.be.within(1, 28);
      expect(syntheticCpr(b)).to.equal(cpr);
    }
  });
});

describe('seeded patients', () => {
  const now = Date.UTC(2026, 10, 1, 12);
  const opts = { patients: 300, admittedFraction: 0.3, referralFraction: 0.3, bundleEntries: 500 };

  it('the same seed plans the same patients, resource for resource', () => {
    const a = planPatients({ ...opts, seed: 1234 }, now);
    const b = planPatients({ ...opts, seed: 1234 }, now);
    expect(JSON.stringify(b)).to.equal(JSON.stringify(a));
    const flat = a.flat();
    expect(flat).to.have.length(300);
    expect(new Set(flat.map((p) => p.cpr)).size).to.equal(300);
    expect(flat.filter((p) => p.admitted)).to.have.length(90);
    expect(flat.every((p) => isSyntheticCpr(p.cpr))).to.equal(true);
    for (const bundle of a) expect(bundle.reduce((n, p) => n + p.entries.length, 0)).to.be.at.most(500);
    // the bundle-local references hold together: every subject is the patient's own fullUrl
    for (const p of flat) {
      const own = p.entries[0]!.fullUrl;
      for (const e of p.entries.slice(1)) expect((e.resource.subject as { reference: string }).reference).to.equal(own);
    }
  });

  it('another seed, or none, plans other patients', () => {
    const cprs = (seed?: number) => planPatients({ ...opts, ...(seed === undefined ? {} : { seed }) }, now).flat().map((p) => p.cpr).join();
    expect(cprs(1)).to.not.equal(cprs(2));
    expect(cprs()).to.not.equal(cprs());
  });

  it('refuses a seed that is not an integer', () => {
    expect(() => planPatients({ ...opts, seed: 0.5 }, now)).to.throw(/seed must be an integer/);
  });
});
