import { expect } from 'chai';
import { availabilityVerdict } from '../../../harness/checkers/availability.js';
import { Clock } from '../../../harness/history/clock.js';
import type { HistoryEvent } from '../../../harness/history/events.js';
import { History } from '../../../harness/history/history.js';
import { at, bucket, historyOf } from '../checkers/fixtures.js';

describe('History.slice: one part of a long run, for checkers that judge that part (a matrix cell)', () => {
  // two "cells" of 10 s each, one after the other, on one history
  const h = historyOf(
    [
      { kind: 'load', stage: 'started', rates: { 'clinical-note': 5 }, timeoutMs: 2000, t: at(0) },
      { kind: 'phase', name: 'one · fault', t: at(1) },
      ...Array.from({ length: 10 }, (_, i) => bucket('clinical-note', 1 + i, 5, 0)),
      { kind: 'phase', name: 'two · fault', t: at(11) },
      ...Array.from({ length: 10 }, (_, i) => bucket('clinical-note', 11 + i, 5, 5)),
      { kind: 'phase', name: 'end', t: at(21) },
      { kind: 'note', message: 'after', t: at(25) },
    ],
    60,
  );

  it('keeps what lies in the window — a request bucket by the instant it started, though recorded when it closed', () => {
    const s = h.slice(at(11), at(20.5));
    const buckets = s.ofKind('requests');
    expect(buckets.map((b) => b.bucket)).to.deep.equal(Array.from({ length: 10 }, (_, i) => at(11 + i)));
    // the last bucket was recorded at 21 s, when it closed, after the window's end, and is still the window's
    expect(buckets.at(-1)!.t).to.be.above(at(20.5));
    expect(s.ofKind('phase').map((p) => p.name)).to.deep.equal(['two · fault']);
    expect(s.ofKind('note')).to.have.length(0);
  });

  it("keeps what describes the whole run: the load's schedule (started before the window) and the clock", () => {
    const s = h.slice(at(11), at(20.5));
    expect(s.ofKind('load')).to.have.length(1);
    expect(s.clock.scale).to.equal(60);
    expect(s.clock.toScenario(at(12))).to.equal(h.clock.toScenario(at(12)));
  });

  it('judges a phase on its slice as on the whole history', () => {
    for (const [phase, from, to] of [
      // a cell's slice runs on to the next cell's first mark, which ends the cell's last phase as in the whole
      ['one · fault', at(0), at(11)],
      ['two · fault', at(11), at(21)],
    ] as const) {
      const whole = availabilityVerdict(h, { phases: [phase] });
      const part = availabilityVerdict(h.slice(from, to), { phases: [phase] });
      expect(part.status).to.equal(whole.status);
      expect(part.children!.map((c) => c.summary)).to.deep.equal(whole.children!.map((c) => c.summary));
    }
  });

  it('is a copy: what the run records later, or a change of its clock, does not reach the slice', () => {
    const s = h.slice(at(0), at(30));
    const n = s.all().length;
    h.record({ kind: 'note', message: 'later', t: at(26) });
    expect(s.all()).to.have.length(n);
    expect(s.clock).to.not.equal(h.clock);
  });
});

describe('History of a long run: spill, and rebuilt from a journal of any length', () => {
  it('spills what lies before an instant, keeping the clock and the load, and the rest in order', () => {
    const h = historyOf(
      [
        { kind: 'load', stage: 'started', rates: { 'clinical-note': 5 }, timeoutMs: 2000, t: at(0) },
        { kind: 'phase', name: 'one', t: at(1) },
        bucket('clinical-note', 1, 5, 5),
        { kind: 'phase', name: 'two', t: at(11) },
        bucket('clinical-note', 11, 5, 5),
      ],
      60,
    );
    const out = h.spill(at(11));
    expect(out.map((e) => e.kind)).to.deep.equal(['phase', 'requests']);
    expect(h.all().map((e) => e.kind)).to.include.members(['load', 'phase', 'requests']);
    expect(h.all().every((e) => e.kind === 'load' || e.kind === 'clock' || e.t >= at(11))).to.equal(true);
  });

  it('rebuilds a history of 600 000 events (more than one call takes as arguments)', () => {
    const events: HistoryEvent[] = Array.from({ length: 600_000 }, (_, i) => ({ kind: 'note', message: 'x', t: at(0) + i, scenarioMs: i, clockMark: 'scripted' }));
    const h = History.from(events, new Clock(1, at(0)));
    expect(h.all()).to.have.length(600_000);
    expect(h.slice(at(0), at(0) + 499_999).all()).to.have.length(500_000);
  });
});
