import type { History } from '../history/history.js';
import type { ClinicalFunction } from '../stack/definition.js';
import type { LoadAttempt } from './lines.js';

/** Each function's first and last arrival slot: the load's schedule, for counting what a window should hold. */
export type SlotRanges = Partial<Record<ClinicalFunction, { first: number; last: number }>>;

/**
 * What every load generator does with an attempt it read, whichever wrote it (epj-load, a user's k6): note its slot
 * and record its write as a `write` event — the ledger the lost-writes and split-brain checkers read.
 */
export class AttemptLedger {
  readonly slots: SlotRanges = {};
  writes = 0;

  constructor(
    private readonly history: History,
    /** the front door each function's writes go through, so their answering site can be told afterwards */
    private readonly via: Partial<Record<ClinicalFunction, string>> = {},
  ) {}

  noteSlot(fn: ClinicalFunction, start: number): void {
    const s = this.slots[fn];
    if (!s) this.slots[fn] = { first: start, last: start };
    else {
      s.first = Math.min(s.first, start);
      s.last = Math.max(s.last, start);
    }
  }

  /** Notes the attempt's slot and records its write, if it was one. */
  take(a: LoadAttempt): void {
    this.noteSlot(a.fn, a.start);
    if (!a.write) return;
    this.writes += 1;
    const via = this.via[a.fn];
    this.history.record({
      kind: 'write',
      t: a.t,
      start: a.start,
      fn: a.fn,
      writeId: a.write.writeId,
      resourceType: a.write.resourceType,
      outcome: a.write.outcome,
      ...(a.write.resourceId ? { resourceId: a.write.resourceId } : {}),
      ...(a.write.versionId ? { versionId: a.write.versionId } : {}),
      ...(a.status ? { status: a.status } : {}),
      ...(via ? { via } : {}),
    });
  }
}
