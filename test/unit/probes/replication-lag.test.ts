import { expect } from 'chai';
import { Clock } from '../../../harness/history/clock.js';
import type { NewEvent } from '../../../harness/history/events.js';
import { History } from '../../../harness/history/history.js';
import { gapAtInstant, lagFromRow, lagMsOf, type LagRow } from '../../../harness/probes/replication-lag.js';

const T0 = 1_700_000_000_000;

function lag(t: number, bytes: number | null, replica = 'b_db', replayLagMs: number | null = 10): NewEvent {
  return { kind: 'lag', t, replica, state: 'streaming', bytes, writeLagMs: 1, flushLagMs: 2, replayLagMs };
}

function historyOf(events: NewEvent[]): History {
  const h = new History(new Clock(1, T0));
  for (const e of events) h.record(e);
  return h;
}

const row = (r: Partial<LagRow>): LagRow => ({
  state: null,
  write_lag_ms: null,
  flush_lag_ms: null,
  replay_lag_ms: null,
  replay_gap: null,
  slot_gap: null,
  slot_active: null,
  ...r,
});

describe('replication probe: gapAtInstant', () => {
  const h = historyOf([
    lag(T0 + 100, 10),
    lag(T0 + 350, 20),
    { kind: 'note', t: T0 + 400, message: 'something else' },
    lag(T0 + 500, 999, 'other'),
    lag(T0 + 600, 30),
  ]);

  it('is the last sample at or before the instant', () => {
    expect(gapAtInstant(h, T0 + 349)?.bytes).to.equal(10);
    expect(gapAtInstant(h, T0 + 350)?.bytes).to.equal(20);
    expect(gapAtInstant(h, T0 + 599, 'b_db')?.bytes).to.equal(20);
    expect(gapAtInstant(h, T0 + 10_000, 'b_db')?.bytes).to.equal(30);
  });

  it('filters by replica when asked, and takes any replica otherwise', () => {
    expect(gapAtInstant(h, T0 + 550)?.bytes).to.equal(999);
    expect(gapAtInstant(h, T0 + 550, 'other')?.bytes).to.equal(999);
    expect(gapAtInstant(h, T0 + 550, 'b_db')?.bytes).to.equal(20);
  });

  it('is undefined before the first sample, or without samples', () => {
    expect(gapAtInstant(h, T0 + 99)).to.equal(undefined);
    expect(gapAtInstant(historyOf([]), T0)).to.equal(undefined);
  });

  it('does not depend on the order events were recorded in (History.from sorts)', () => {
    const events = h.all().filter((e) => e.kind === 'lag').reverse();
    expect(gapAtInstant(History.from([...events]), T0 + 400, 'b_db')?.bytes).to.equal(20);
  });
});

describe('replication probe: lagFromRow / lagMsOf', () => {
  it('a streaming replica: state, lags and the replay gap', () => {
    const e = lagFromRow('b_db', row({ state: 'streaming', write_lag_ms: '1.5', flush_lag_ms: 2, replay_lag_ms: '1500.25', replay_gap: '8192', slot_gap: '9000' }));
    expect(e).to.deep.equal({ replica: 'b_db', state: 'streaming', bytes: 8192, writeLagMs: 1.5, flushLagMs: 2, replayLagMs: 1500.25 });
    expect(lagMsOf({ kind: 'lag', t: 0, scenarioMs: 0, ...e })).to.equal(1500.25);
  });

  it('a disconnected replica with a slot: the slot restart_lsn gap, and says so', () => {
    const e = lagFromRow('b_db', row({ slot_gap: '123456', slot_active: false }));
    expect(e).to.include({ state: 'disconnected (slot)', bytes: 123456, writeLagMs: null, replayLagMs: null });
    expect(lagMsOf({ kind: 'lag', t: 0, scenarioMs: 0, ...e })).to.equal(undefined);
  });

  it('connected but no replay position yet (startup): falls back to the slot', () => {
    expect(lagFromRow('b_db', row({ state: 'startup', slot_gap: 77 }))).to.include({ state: 'startup (slot)', bytes: 77 });
  });

  it('neither connected nor a slot: bytes null', () => {
    expect(lagFromRow('b_db', row({}))).to.include({ state: 'disconnected', bytes: null });
    expect(lagFromRow('b_db', undefined)).to.include({ state: 'disconnected', bytes: null });
  });

  it('idle streaming replica: PostgreSQL reports null lags, gap 0', () => {
    const e = lagFromRow('b_db', row({ state: 'streaming', replay_gap: 0 }));
    expect(e).to.include({ state: 'streaming', bytes: 0, replayLagMs: null });
    expect(lagMsOf({ kind: 'lag', t: 0, scenarioMs: 0, ...e })).to.equal(undefined);
    expect(lagMsOf(undefined)).to.equal(undefined);
  });
});
