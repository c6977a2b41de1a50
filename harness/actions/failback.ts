import { runOneOff } from '../docker/one-off.js';
import { HarnessError, InvalidInputError } from '../errors.js';
import type { RunContext } from '../run-context.js';
import { siteNetwork } from '../stack/names.js';
import { pollUntil } from '../stack/wait/poll.js';
import { operatorAction, type OperatorAction, type Proof } from './action.js';
import {
  awaitStreaming,
  epjHealth,
  findContainer,
  inRecovery,
  promote,
  sendWritesTo,
  setEpjMode,
  setRoleMarker,
  sql,
  startContainer,
  stopContainer,
} from './support.js';

/**
 * Failback to site A after a failover, losing no write B acknowledged:
 *   1. rebuild a-db (the old primary, diverged) as a replica of b-db and let it catch up;
 *   2. switchover: stop writes at B, wait until a-db has replayed everything b-db has, promote a-db;
 *   3. rebuild b-db as a replica of a-db (the original shape);
 *   4. make a-epj writable and repoint the EPJ front door back to it.
 * Writes at A that never reached B before the failover are discarded by the rewind: they were lost at failover,
 * and the lost-writes verdict reports them; failback does not resurrect a split brain.
 */

export const FAILBACK = 'failback';
const DATA_DIR = '/var/lib/epj-db/data';

export function failback(): OperatorAction {
  return operatorAction(FAILBACK, async (ctx, proof) => {
    const { stack } = ctx;
    if (await inRecovery(stack, 'b-db-admin')) {
      throw new InvalidInputError('failback refused: b-db is a replica (pg_is_in_recovery() = true) — there was no failover to return from');
    }

    // 0. A's EPJ must not write to a-db while a-db is rebuilt and promoted: fence it (it may have come back
    //    with its site in its start-up mode, readwrite). Start it if the site's outage stopped it.
    const aEpj = await findContainer(stack, 'a-epj');
    if (!aEpj.running) await startContainer(stack, aEpj);
    await pollUntil('a-epj fenced (mode standby)', () => setEpjMode(stack, 'a-epj-admin', 'standby').then(() => true), {
      timeoutMs: 20_000,
      intervalMs: 200,
      signal: ctx.signal,
    });
    proof.observed('a-epj fenced (mode standby)');

    // 1. a-db → replica of b-db (through the reverse WAN link toxiproxy:5405).
    await rejoin(ctx, proof, { db: 'a-db', source: { host: 'toxiproxy', port: 5405, adminLink: 'b-db-admin' }, applicationName: 'a_db' });
    await awaitStreaming(ctx, 'b-db-admin', 'a_db');
    proof.observed('a-db streaming from b-db (pg_stat_replication a_db)');

    // 2. Switchover. b-epj stops taking writes; writes already inside b-db are cut off (their sessions ended, so a
    //    late commit cannot slip in after the LSN is read); then a-db must have replayed all of b-db's WAL.
    await setEpjMode(stack, 'b-epj-admin', 'standby');
    await sql(stack, 'b-db-admin', "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = 'epj' AND pid <> pg_backend_pid()");
    const [cur] = await sql<{ lsn: string }>(stack, 'b-db-admin', 'SELECT pg_current_wal_lsn()::text AS lsn');
    const target = cur!.lsn;
    proof.observed(`b-epj standby, writes stopped at b-db LSN ${target}`);
    await pollUntil(
      `a-db replayed b-db's WAL up to ${target}`,
      async () => {
        const [r] = await sql<{ done: boolean; replay: string | null }>(
          stack,
          'a-db-admin',
          'SELECT pg_last_wal_replay_lsn()::text AS replay, pg_wal_lsn_diff(pg_last_wal_replay_lsn(), $1::pg_lsn) >= 0 AS done',
          [target],
        );
        if (!r?.done) throw new Error(`a-db replayed ${r?.replay ?? 'nothing'}`);
        return true;
      },
      { timeoutMs: 60_000, intervalMs: 100, signal: ctx.signal },
    );
    proof.observed(`a-db replayed ${target}`);
    await promote(stack, 'a-db-admin');
    proof.observed('a-db promoted (pg_is_in_recovery=false)', { kind: 'promoted', container: 'a-db' });
    await setRoleMarker(stack, 'a-db-admin', 'primary');
    // b-db streams through its slot again, so a-db keeps the WAL it has not received yet.
    const [slot] = await sql<{ n: number }>(stack, 'a-db-admin', "SELECT count(*)::int AS n FROM pg_replication_slots WHERE slot_name = 'b_db'");
    if (slot!.n === 0) {
      await sql(stack, 'a-db-admin', "SELECT pg_create_physical_replication_slot('b_db', true)");
      proof.note('slot b_db created on a-db');
    }

    // 3. b-db → replica of a-db again (through toxiproxy:5402, the original replication link).
    await rejoin(ctx, proof, { db: 'b-db', source: { host: 'toxiproxy', port: 5402, adminLink: 'a-db-admin' }, applicationName: 'b_db', slot: 'b_db' });
    await awaitStreaming(ctx, 'a-db-admin', 'b_db');
    proof.observed('b-db streaming from a-db (pg_stat_replication b_db)');

    // 4. A's EPJ takes the writes again, and the front door goes back to it.
    await sendWritesTo(ctx, proof, 'A');
    const b = await epjHealth(stack.linkUrl('b-epj-admin'));
    proof.note(`b-epj mode ${b.body.mode}`);
  });
}

interface RejoinSpec {
  db: string;
  /** the new primary as the target's site reaches it, and as the harness does */
  source: { host: string; port: number; adminLink: string };
  applicationName: string;
  slot?: string;
}

/**
 * Turns a stopped (or killed) database into a streaming replica of `source`: pg_rewind in a one-off container on
 * the database's own volume and its site's network (fallback: a fresh pg_basebackup), then starts it again.
 * The work is the image's `epj-db-entrypoint rejoin` (docker/postgres/entrypoint.sh).
 */
async function rejoin(ctx: RunContext, proof: Proof, spec: RejoinSpec): Promise<void> {
  const { stack } = ctx;
  const db = await findContainer(stack, spec.db);
  const volume = db.volumes.find((v) => v.target === DATA_DIR);
  if (!volume) throw new HarnessError(`${spec.db} has no data volume at ${DATA_DIR}`, 'no-data-volume');
  if (db.running) {
    await stopContainer(db);
    proof.observed(`${spec.db} stopped (clean shutdown)`);
  } else {
    proof.note(`${spec.db} was not running`);
  }
  // A just-promoted source's control file names its new timeline only after its first checkpoint; until then
  // pg_rewind (PG 15) sees both on the same timeline, says "no rewind required", and the replica cannot follow.
  await sql(stack, spec.source.adminLink, 'CHECKPOINT', [], 60_000);
  const result = await runOneOff(stack.docker, {
    run: stack.runId,
    image: db.image,
    purpose: `rejoin-${spec.db}`,
    site: db.site,
    cmd: ['rejoin'],
    env: {
      EPJ_SOURCE_HOST: spec.source.host,
      EPJ_SOURCE_PORT: String(spec.source.port),
      EPJ_APPLICATION_NAME: spec.applicationName,
      ...(spec.slot ? { EPJ_PRIMARY_SLOT: spec.slot } : {}),
    },
    mounts: [{ volume: volume.name, target: DATA_DIR }],
    network: siteNetwork(stack.runId, db.site),
    timeoutMs: 180_000,
    signal: ctx.signal,
  });
  if (result.exitCode !== 0) {
    throw new HarnessError(`rebuilding ${spec.db} as a replica failed (exit ${result.exitCode}):\n${result.logs}`, 'rejoin-failed');
  }
  const how = /done by (\S+)/.exec(result.logs)?.[1] ?? 'unknown';
  const rewound = /servers diverged at WAL location (\S+) on timeline (\d+)/.exec(result.logs);
  proof.observed(
    `${spec.db} rebuilt as replica of ${spec.source.host}:${spec.source.port} by ${how}` +
      `${rewound ? ` (diverged at ${rewound[1]} on timeline ${rewound[2]})` : /no rewind required/.test(result.logs) ? ' (no rewind required)' : ''}` +
      ` in ${result.durationMs} ms`,
  );
  await startContainer(stack, db);
}
