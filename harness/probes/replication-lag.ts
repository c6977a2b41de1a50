import { databaseTopology } from '../stack/topology.js';
import pg from 'pg';
import { describeError } from '../errors.js';
import type { LagEvent } from '../history/events.js';
import type { History } from '../history/history.js';
import type { RunContext } from '../run-context.js';

/**
 * Replication probe: samples, from the primary, how far the replica is behind — the figure a failover verdict needs "at the
 * instant of failure" next to a failover's lost writes. Every `intervalMs` one query over ONE persistent connection
 * (through the primary's admin link, which faults leave alone) reads the replica's row of `pg_stat_replication`
 * (state, write/flush/replay lag) and the byte gap `pg_current_wal_lsn() − replay_lsn`. When the replica is not
 * connected, the gap falls back to its replication slot's `restart_lsn` (what the primary still keeps for it), and
 * the event's state says so (`disconnected (slot)`); with neither, bytes is null.
 *
 * Samples never overlap (the next one is scheduled when the previous one ended), each query has a short statement
 * timeout, and a broken connection is replaced on the next tick. When the primary becomes unreachable one note is
 * recorded (and one when it answers again); meanwhile the probe keeps trying quietly.
 */

export interface ReplicationProbeOptions {
  /** sampling period, ms (default 250) */
  intervalMs?: number;
  /** the primary's admin link (default: the db-primary's, harness/stack/topology.ts) */
  primaryLink?: string;
  /** the replica's application_name (default: the db-replica's) */
  replica?: string;
  /** statement / connect timeout per sample, ms (default min(1000, max(100, intervalMs × 2))) */
  queryTimeoutMs?: number;
}

export interface ReplicationProbe {
  /** stops sampling, waits for a sample in flight and closes the connection (safe to call twice) */
  stop(): Promise<void>;
  /** the last lag event recorded, if any */
  readonly lastSample: LagEvent | undefined;
  /** samples recorded / ticks that failed (connection or query) */
  readonly samples: number;
  readonly errors: number;
}

export interface LagRow {
  state: string | null;
  write_lag_ms: number | string | null;
  flush_lag_ms: number | string | null;
  replay_lag_ms: number | string | null;
  /** byte gap to the replica's replay position (null when not connected) */
  replay_gap: number | string | null;
  /** byte gap to the replica's slot restart_lsn (null when there is no slot) */
  slot_gap: number | string | null;
  slot_active: boolean | null;
}

/**
 * One query for everything; the replica may be absent from pg_stat_replication (disconnected) and may or may not
 * have a slot, so both are LEFT JOINed to a one-row VALUES. Lags are intervals, returned as float ms.
 */
export const LAG_QUERY = `
SELECT r.state,
       EXTRACT(EPOCH FROM r.write_lag) * 1000  AS write_lag_ms,
       EXTRACT(EPOCH FROM r.flush_lag) * 1000  AS flush_lag_ms,
       EXTRACT(EPOCH FROM r.replay_lag) * 1000 AS replay_lag_ms,
       pg_wal_lsn_diff(pg_current_wal_lsn(), r.replay_lsn) AS replay_gap,
       pg_wal_lsn_diff(pg_current_wal_lsn(), s.restart_lsn) AS slot_gap,
       s.active AS slot_active
  FROM (VALUES ($1::text)) AS want(name)
  LEFT JOIN LATERAL (SELECT * FROM pg_stat_replication WHERE application_name = want.name
                      ORDER BY backend_start DESC LIMIT 1) r ON true
  LEFT JOIN LATERAL (SELECT * FROM pg_replication_slots WHERE slot_name = want.name LIMIT 1) s ON true`;

const num = (v: number | string | null | undefined): number | null => {
  if (v === null || v === undefined) return null;
  const n = typeof v === 'number' ? v : Number(v);
  return Number.isFinite(n) ? Math.round(n * 1000) / 1000 : null;
};

/** Turns one row of LAG_QUERY into the fields of a lag event (pure). */
export function lagFromRow(replica: string, row: LagRow | undefined): Omit<LagEvent, 'kind' | 't' | 'scenarioMs'> {
  const connected = row?.state !== null && row?.state !== undefined;
  const replayGap = num(row?.replay_gap);
  const slotGap = num(row?.slot_gap);
  let state: string;
  let bytes: number | null;
  if (connected && replayGap !== null) {
    state = row!.state!;
    bytes = replayGap;
  } else if (slotGap !== null) {
    // not connected (or connected without a replay position yet): the slot says what the replica last confirmed
    state = connected ? `${row!.state} (slot)` : 'disconnected (slot)';
    bytes = slotGap;
  } else {
    state = connected ? row!.state! : 'disconnected';
    bytes = null;
  }
  return {
    replica,
    state,
    bytes,
    writeLagMs: num(row?.write_lag_ms),
    flushLagMs: num(row?.flush_lag_ms),
    replayLagMs: num(row?.replay_lag_ms),
  };
}

export function startReplicationProbe(ctx: RunContext, opts: ReplicationProbeOptions = {}): ReplicationProbe {
  const intervalMs = opts.intervalMs ?? 250;
  // by default the stack's primary and the name its replica streams under (harness/stack/topology.ts)
  const dbs = opts.primaryLink === undefined || opts.replica === undefined ? databaseTopology(ctx.stack.definition) : undefined;
  const primaryLink = opts.primaryLink ?? dbs!.primary.adminLink;
  const replica = opts.replica ?? dbs!.replica.applicationName;
  const queryTimeoutMs = opts.queryTimeoutMs ?? Math.min(1000, Math.max(100, intervalMs * 2));
  if (!(intervalMs > 0)) throw new RangeError(`intervalMs must be > 0, got ${intervalMs}`);
  const port = ctx.stack.linkPort(primaryLink); // an unknown link fails here, not quietly in the loop
  const { history } = ctx;

  let client: pg.Client | undefined;
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  let inFlight: Promise<void> | undefined;
  let reachable: boolean | undefined;
  let lastSample: LagEvent | undefined;
  let samples = 0;
  let errors = 0;

  const drop = () => {
    const c = client;
    client = undefined;
    c?.end().catch(() => {});
  };

  const connect = async (): Promise<pg.Client> => {
    if (client) return client;
    const c = new pg.Client({
      host: '127.0.0.1',
      port,
      user: 'postgres',
      database: 'postgres',
      application_name: 'epj-chaos-lag-probe',
      connectionTimeoutMillis: queryTimeoutMs,
      statement_timeout: queryTimeoutMs,
      query_timeout: queryTimeoutMs + 200,
    });
    c.on('error', () => {
      if (client === c) drop(); // the next tick reconnects
    });
    try {
      await c.connect();
    } catch (err) {
      c.end().catch(() => {});
      throw err;
    }
    client = c;
    return c;
  };

  const sample = async () => {
    try {
      const c = await connect();
      const { rows } = await c.query<LagRow>(LAG_QUERY, [replica]);
      if (stopped) return;
      if (reachable === false) history.record({ kind: 'note', message: `replication probe: primary ${primaryLink} answers again`, data: { primaryLink } });
      reachable = true;
      lastSample = history.record({ kind: 'lag', ...lagFromRow(replica, rows[0]) }) as LagEvent;
      samples++;
    } catch (err) {
      errors++;
      drop();
      if (stopped) return;
      if (reachable !== false) {
        history.record({
          kind: 'note',
          message: `replication probe: primary ${primaryLink} unreachable (${describeError(err)}); retrying quietly every ${intervalMs} ms`,
          data: { primaryLink, replica },
        });
      }
      reachable = false;
    }
  };

  const tick = () => {
    if (stopped) return;
    const started = Date.now();
    inFlight = sample().finally(() => {
      inFlight = undefined;
      if (!stopped) timer = setTimeout(tick, Math.max(0, intervalMs - (Date.now() - started)));
    });
  };
  tick();

  let stopping: Promise<void> | undefined;
  return {
    stop() {
      stopping ??= (async () => {
        stopped = true;
        if (timer) clearTimeout(timer);
        await inFlight;
        drop();
      })();
      return stopping;
    },
    get lastSample() {
      return lastSample;
    },
    get samples() {
      return samples;
    },
    get errors() {
      return errors;
    },
  };
}

/**
 * The replication gap at instant `t`: the last lag sample of `replica` (default: any) taken at or before `t` — e.g.
 * the gap "at the instant the primary dies", with `t` the kill's applied instant. Undefined when there is none.
 */
export function gapAtInstant(history: History, t: number, replica?: string): LagEvent | undefined {
  let best: LagEvent | undefined;
  for (const e of history.ofKind('lag')) {
    if (e.t > t || (replica !== undefined && e.replica !== replica)) continue;
    if (!best || e.t >= best.t) best = e;
  }
  return best;
}

/**
 * The lag in ms that a sample stands for, for `expectedLossWindow`: the largest of its write/flush/replay lags
 * (what the replica had not yet confirmed), or undefined when the sample carries none (not streaming, or idle:
 * PostgreSQL resets lags to null when the replica has caught up and nothing is being written).
 */
export function lagMsOf(sample: LagEvent | undefined): number | undefined {
  if (!sample) return undefined;
  const lags = [sample.writeLagMs, sample.flushLagMs, sample.replayLagMs].filter((x): x is number => x !== null);
  return lags.length ? Math.max(...lags) : undefined;
}
