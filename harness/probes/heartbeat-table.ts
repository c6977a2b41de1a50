import { queryOnce } from '../stack/wait/for-postgres.js';

/**
 * The heartbeat as the database sees it (pt-heartbeat's table): one row per probe series in the `postgres` database
 * of the primary, holding the write instant of its newest heartbeat; physical replication carries it to every replica.
 * All SQL goes through the one fresh-connection helper (harness/stack/wait/for-postgres.ts), so a reader's answer is
 * what a new client sees now, not what a connection opened before a fault still holds.
 */

export const HEARTBEAT_TABLE = 'epj_chaos_heartbeat';

export interface SqlTimeouts {
  connectMs: number;
  queryMs: number;
}

/**
 * Creates the table at the primary: idempotent, not waiting for a synchronous standby (see writeHeartbeat), and
 * retried once when another probe created it at the same moment (a unique or duplicate-table violation).
 */
export async function ensureHeartbeatTable(port: number, timeouts: SqlTimeouts): Promise<void> {
  const ddl = `BEGIN; SET LOCAL synchronous_commit = local;
CREATE TABLE IF NOT EXISTS ${HEARTBEAT_TABLE} (series text PRIMARY KEY, written_at_ms bigint NOT NULL, beats bigint NOT NULL);
COMMIT;`;
  try {
    await queryOnce(port, 'postgres', ddl, [], 'postgres', timeouts);
  } catch (err) {
    const code = (err as { code?: string }).code;
    if (code !== '23505' && code !== '42P07') throw err;
    await queryOnce(port, 'postgres', ddl, [], 'postgres', timeouts);
  }
}

const SERIES = /^[A-Za-z0-9-]{1,64}$/;

/**
 * Writes one heartbeat. `synchronous_commit = local`: under synchronous replication a heartbeat must not wait for
 * the standby — during a WAN cut such waits would pile up backends until the primary refuses connections — and
 * its commit need not: it is its arrival at the replica that is measured. GREATEST keeps the row's instant from
 * going back when two heartbeats commit out of order. One simple-protocol statement list, so the values are inlined
 * (both checked here: a series id and an integer).
 */
export async function writeHeartbeat(port: number, series: string, writtenAt: number, timeouts: SqlTimeouts): Promise<void> {
  if (!SERIES.test(series)) throw new RangeError(`heartbeat series '${series}' is not [A-Za-z0-9-]{1,64}`);
  if (!Number.isSafeInteger(writtenAt)) throw new RangeError(`heartbeat instant ${writtenAt} is not an integer`);
  const text = `BEGIN; SET LOCAL synchronous_commit = local;
INSERT INTO ${HEARTBEAT_TABLE} AS h (series, written_at_ms, beats) VALUES ('${series}', ${writtenAt}, 1)
  ON CONFLICT (series) DO UPDATE SET written_at_ms = GREATEST(h.written_at_ms, EXCLUDED.written_at_ms), beats = h.beats + 1;
COMMIT;`;
  await queryOnce(port, 'postgres', text, [], 'postgres', timeouts);
}

/** The newest heartbeat of `series` visible at the database behind `port`; null when none is (yet). */
export async function readHeartbeat(port: number, series: string, timeouts: SqlTimeouts): Promise<number | null> {
  try {
    const rows = await queryOnce<{ at: string | number }>(port, 'postgres', `SELECT written_at_ms AS at FROM ${HEARTBEAT_TABLE} WHERE series = $1`, [series], 'postgres', timeouts);
    return rows[0] ? Number(rows[0].at) : null;
  } catch (err) {
    if ((err as { code?: string }).code === '42P01') return null; // the table has not reached this replica yet
    throw err;
  }
}
