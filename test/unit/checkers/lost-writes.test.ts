import { expect } from 'chai';
import {
  checkLostWrites,
  compareWithExpectedLoss,
  expectedLossWindow,
  lostWritesVerdict,
  type PresentWrite,
} from '../../../harness/checkers/index.js';
import { at, historyOf, write } from './fixtures.js';

const note = (writeId: string, resourceId: string): PresentWrite => ({ writeId, resourceId, resourceType: 'DocumentReference' });

/** One write of every class, plus a retried write id. */
const scenario = () => {
  const h = historyOf(
    [
      write('w-kept', 'acknowledged', 1, { resourceId: 'r1' }),
      write('w-lost-late', 'acknowledged', 9, { resourceId: 'r2', fn: 'admission', resourceType: 'Encounter' }),
      write('w-lost-early', 'acknowledged', 3, { resourceId: 'r3' }),
      write('w-recovered', 'unknown', 4),
      write('w-unknown-absent', 'unknown', 5),
      write('w-failed', 'failed', 6, { status: 503 }),
      write('w-failed-present', 'failed', 7, { status: 500 }),
      // a retry with If-None-Exist: timed out, then acknowledged — one write, acknowledged
      write('w-retried', 'unknown', 2),
      write('w-retried', 'acknowledged', 2.5, { resourceId: 'r4' }),
      write('w-mismatched', 'acknowledged', 8, { resourceId: 'r5' }),
    ],
    60,
  );
  const present = [
    note('w-kept', 'r1'),
    note('w-kept', 'r1'), // read back twice: still one resource
    note('w-recovered', 'r6'),
    note('w-failed-present', 'r7'),
    note('w-retried', 'r4'),
    note('w-mismatched', 'r-other'),
    note('w-stranger', 'r8'),
  ];
  return { h, present };
};

describe('checkers: lost writes (set checker)', () => {
  it('classifies every write id', () => {
    const { h, present } = scenario();
    const r = checkLostWrites(h, present);
    expect(r.counts).to.deep.equal({
      kept: 2,
      lost: 2,
      mismatched: 1,
      recovered: 1,
      'unknown-absent': 1,
      failed: 1,
      'failed-but-present': 1,
      unexpected: 1,
    });
    const cls = Object.fromEntries(r.writes.map((w) => [w.writeId, w.class]));
    expect(cls).to.include({ 'w-retried': 'kept', 'w-mismatched': 'mismatched', 'w-stranger': 'unexpected', 'w-failed-present': 'failed-but-present' });
    expect(r.attempted).to.equal(9);
    expect(r.present).to.equal(6);
    const retried = r.writes.find((w) => w.writeId === 'w-retried')!;
    expect(retried).to.include({ attempts: 2, outcome: 'acknowledged', acknowledgedAt: at(2.5) });
    expect(r.duplicates).to.deep.equal([]);
  });

  it('lists lost writes by time, with function, resource and scenario time', () => {
    const { h, present } = scenario();
    const r = checkLostWrites(h, present);
    expect(r.lost).to.deep.equal([
      { writeId: 'w-lost-early', fn: 'clinical-note', resourceType: 'DocumentReference', resourceId: 'r3', acknowledgedAt: at(3), scenarioMs: 180_000 },
      { writeId: 'w-lost-late', fn: 'admission', resourceType: 'Encounter', resourceId: 'r2', acknowledgedAt: at(9), scenarioMs: 540_000 },
    ]);
    expect(r.lostByFunction).to.deep.equal({ 'clinical-note': 1, admission: 1 });
  });

  it('fails on lost, unexpected, failed-but-present or mismatched writes, and names them', () => {
    const { h, present } = scenario();
    const v = lostWritesVerdict(h, present);
    expect(v.status).to.equal('fail');
    expect(v.summary).to.contain('2 lost').and.contain('1 unexpected').and.contain('1 failed-but-present').and.contain('1 mismatched');
  });

  it('fails on each anomaly alone', () => {
    const ok = [write('a', 'acknowledged', 1, { resourceId: 'r1' })];
    expect(lostWritesVerdict(historyOf(ok), [note('a', 'r1')]).status).to.equal('pass');
    expect(lostWritesVerdict(historyOf(ok), []).status).to.equal('fail'); // lost
    expect(lostWritesVerdict(historyOf(ok), [note('a', 'r1'), note('b', 'r2')]).status).to.equal('fail'); // unexpected
    expect(lostWritesVerdict(historyOf(ok), [note('a', 'r9')]).status).to.equal('fail'); // mismatched id
    expect(lostWritesVerdict(historyOf(ok), [{ writeId: 'a', resourceId: 'r1', resourceType: 'Encounter' }]).status).to.equal('fail'); // mismatched type
    expect(lostWritesVerdict(historyOf([write('f', 'failed', 1, { status: 500 })]), [note('f', 'r1')]).status).to.equal('fail');
  });

  it('passes when every acknowledged write survived, whatever happened to unacknowledged ones', () => {
    const h = historyOf([
      write('a', 'acknowledged', 1, { resourceId: 'r1' }),
      write('u1', 'unknown', 2),
      write('u2', 'unknown', 3),
      write('f', 'failed', 4, { status: 400 }),
    ]);
    const v = lostWritesVerdict(h, [note('a', 'r1'), note('u1', 'r2')]);
    expect(v.status).to.equal('pass');
    expect(v.summary).to.contain('1 recovered');
  });

  it('flags a write id present under two resource ids (a non-idempotent retry)', () => {
    const h = historyOf([write('adm', 'unknown', 1, { fn: 'admission', resourceType: 'Encounter' }), write('adm', 'acknowledged', 2, { fn: 'admission', resourceType: 'Encounter', resourceId: 'e1' })]);
    const present = [
      { writeId: 'adm', resourceId: 'e1', resourceType: 'Encounter' },
      { writeId: 'adm', resourceId: 'e2', resourceType: 'Encounter' },
    ];
    const r = checkLostWrites(h, present);
    expect(r.counts.kept).to.equal(1);
    expect(r.duplicates).to.deep.equal([{ writeId: 'adm', resourceType: 'Encounter', resourceIds: ['e1', 'e2'] }]);
    expect(lostWritesVerdict(h, present).status).to.equal('fail');
  });

  it('is unknown when nothing was written', () => {
    expect(lostWritesVerdict(historyOf([]), []).status).to.equal('unknown');
  });

  it('predicts the loss window from the replication gap, inclusive, one entry per write id', () => {
    const h = historyOf([
      write('old', 'acknowledged', 1, { resourceId: 'r0' }),
      write('edge', 'acknowledged', 7, { resourceId: 'r1' }),
      write('in', 'unknown', 8),
      write('in', 'acknowledged', 8.5, { resourceId: 'r2' }),
      write('in', 'acknowledged', 8.7, { resourceId: 'r2' }),
      write('failed', 'failed', 9),
      write('at', 'acknowledged', 10, { resourceId: 'r3' }),
      // sent before the failure, its acknowledgement heard after it (a busy client): the gap explains it
      write('heard late', 'acknowledged', 10.09, { resourceId: 'r5', start: at(9.95) }),
      write('after', 'acknowledged', 11, { resourceId: 'r4', start: at(10.5) }),
    ]);
    const expected = expectedLossWindow(h, at(10), 3000);
    expect(expected.map((w) => [w.writeId, w.t])).to.deep.equal([
      ['edge', at(7)],
      ['in', at(8.5)],
      ['at', at(10)],
      ['heard late', at(10.09)],
    ]);
    const result = checkLostWrites(h, [note('edge', 'r1'), note('after', 'r4')]);
    const cmp = compareWithExpectedLoss(result, expected);
    expect(cmp.lostAsPredicted.map((l) => l.writeId)).to.deep.equal(['in', 'at', 'heard late']);
    expect(cmp.lostOutsidePrediction.map((l) => l.writeId)).to.deep.equal(['old']);
    expect(cmp.predictedButNotLost).to.deep.equal(['edge']);
  });
});
