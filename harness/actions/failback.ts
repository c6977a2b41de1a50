import { runOneOff } from '../docker/one-off.js';
import { HarnessError, InvalidInputError } from '../errors.js';
import type { RunContext } from '../run-context.js';
import { siteNetwork, TOXIPROXY } from '../stack/names.js';
import { failoverTopology, type SiteDatabase } from '../stack/topology.js';
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
 * Failback to the original primary's site after a failover, losing no write the replica's site acknowledged (parts
 * found by role, harness/stack/topology.ts; in the reference stack: a-db, b-db, a-epj, b-epj):
 *   1. rebuild the old primary (diverged) as a replica of the promoted one and let it catch up;
 *   2. switchover: stop writes at the replica's site, wait until the old primary has replayed everything, promote it;
 *   3. rebuild the replica as a replica of it again (the original shape);
 *   4. make the original EPJ writable and repoint the EPJ front door back to it.
 * Writes at the old primary that never reached the replica before the failover are discarded by the rewind: they
 * were lost at failover, and the lost-writes verdict reports them; failback does not resurrect a split brain.
 */

export const FAILBACK = 'failback';

export function failback(): OperatorAction {
  return operatorAction(FAILBACK, async (ctx, proof) => {
    const { stack } = ctx;
    const t = failoverTopology(stack.definition);
    const { primary, replica, epj, standbyEpj } = t;
    if (await inRecovery(stack, replica.adminLink)) {
      throw new InvalidInputError(`failback refused: ${replica.container} is a replica (pg_is_in_recovery() = true) — there was no failover to return from`);
    }
    if (!t.reverseReplicationLink) {
      throw new InvalidInputError(
        `failback needs a replication link from site '${primary.site}' to '${replica.container}' for ${primary.container} to stream through as a replica`,
        `add a link of kind 'replication' with fromSite '${primary.site}' and upstream '${replica.container}'`,
      );
    }

    // 0. The original EPJ must not write to the old primary while it is rebuilt and promoted: fence it (it may
    //    have come back with its site in its start-up mode, readwrite). Start it if the site's outage stopped it.
    const epjContainer = await findContainer(stack, epj.container);
    if (!epjContainer.running) await startContainer(stack, epjContainer);
    await pollUntil(`${epj.container} fenced (mode standby)`, () => setEpjMode(stack, epj.adminLink, 'standby').then(() => true), {
      timeoutMs: 20_000,
      intervalMs: 200,
      signal: ctx.signal,
    });
    proof.observed(`${epj.container} fenced (mode standby)`);

    // 1. old primary → replica of the promoted one (through the reverse WAN link).
    await rejoin(ctx, proof, { db: primary, source: { host: TOXIPROXY, port: t.reverseReplicationLink.listenPort, adminLink: replica.adminLink }, applicationName: primary.applicationName });
    await awaitStreaming(ctx, replica.adminLink, primary.applicationName);
    proof.observed(`${primary.container} streaming from ${replica.container} (pg_stat_replication ${primary.applicationName})`);

    // 2. Switchover. The standby EPJ stops taking writes; writes already inside the database are cut off (their
    //    sessions ended, so a late commit cannot slip in after the LSN is read); then the old primary must have
    //    replayed all of its WAL.
    await setEpjMode(stack, standbyEpj.adminLink, 'standby');
    await sql(stack, replica.adminLink, "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = 'epj' AND pid <> pg_backend_pid()");
    const [cur] = await sql<{ lsn: string }>(stack, replica.adminLink, 'SELECT pg_current_wal_lsn()::text AS lsn');
    const target = cur!.lsn;
    proof.observed(`${standbyEpj.container} standby, writes stopped at ${replica.container} LSN ${target}`);
    await pollUntil(
      `${primary.container} replayed ${replica.container}'s WAL up to ${target}`,
      async () => {
        const [r] = await sql<{ done: boolean; replay: string | null }>(
          stack,
          primary.adminLink,
          'SELECT pg_last_wal_replay_lsn()::text AS replay, pg_wal_lsn_diff(pg_last_wal_replay_lsn(), $1::pg_lsn) >= 0 AS done',
          [target],
        );
        if (!r?.done) throw new Error(`${primary.container} replayed ${r?.replay ?? 'nothing'}`);
        return true;
      },
      { timeoutMs: 60_000, intervalMs: 100, signal: ctx.signal },
    );
    proof.observed(`${primary.container} replayed ${target}`);
    await promote(stack, primary.adminLink);
    proof.observed(`${primary.container} promoted (pg_is_in_recovery=false)`, { kind: 'promoted', container: primary.container });
    await setRoleMarker(stack, primary.adminLink, 'primary');
    // the replica streams through its slot again, so the primary keeps the WAL it has not received yet
    const slotName = replica.applicationName;
    const [slot] = await sql<{ n: number }>(stack, primary.adminLink, 'SELECT count(*)::int AS n FROM pg_replication_slots WHERE slot_name = $1', [slotName]);
    if (slot!.n === 0) {
      await sql(stack, primary.adminLink, 'SELECT pg_create_physical_replication_slot($1, true)', [slotName]);
      proof.note(`slot ${slotName} created on ${primary.container}`);
    }

    // 3. replica → replica of the primary again (through the original replication link).
    await rejoin(ctx, proof, { db: replica, source: { host: TOXIPROXY, port: t.replicationLink.listenPort, adminLink: primary.adminLink }, applicationName: replica.applicationName, slot: slotName });
    await awaitStreaming(ctx, primary.adminLink, replica.applicationName);
    proof.observed(`${replica.container} streaming from ${primary.container} (pg_stat_replication ${replica.applicationName})`);

    // 4. The original EPJ takes the writes again, and the front door goes back to it.
    await sendWritesTo(ctx, proof, t, epj);
    const b = await epjHealth(stack.linkUrl(standbyEpj.adminLink));
    proof.note(`${standbyEpj.container} mode ${b.body.mode}`);
  });
}

interface RejoinSpec {
  db: SiteDatabase;
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
  const name = spec.db.container;
  const db = await findContainer(stack, name);
  const volume = db.volumes.find((v) => v.target === spec.db.dataDir);
  if (!volume) throw new HarnessError(`${name} has no data volume${spec.db.dataDir ? ` at ${spec.db.dataDir}` : ' in the stack definition'}`, 'no-data-volume');
  if (db.running) {
    await stopContainer(db);
    proof.observed(`${name} stopped (clean shutdown)`);
  } else {
    proof.note(`${name} was not running`);
  }
  // A just-promoted source's control file names its new timeline only after its first checkpoint; until then
  // pg_rewind (PG 15) sees both on the same timeline, says "no rewind required", and the replica cannot follow.
  await sql(stack, spec.source.adminLink, 'CHECKPOINT', [], 60_000);
  const result = await runOneOff(stack.docker, {
    run: stack.runId,
    image: db.image,
    purpose: `rejoin-${name}`,
    site: db.site,
    cmd: ['rejoin'],
    env: {
      EPJ_SOURCE_HOST: spec.source.host,
      EPJ_SOURCE_PORT: String(spec.source.port),
      EPJ_APPLICATION_NAME: spec.applicationName,
      ...(spec.slot ? { EPJ_PRIMARY_SLOT: spec.slot } : {}),
    },
    mounts: [{ volume: volume.name, target: volume.target }],
    network: siteNetwork(stack.runId, db.site),
    timeoutMs: 180_000,
    signal: ctx.signal,
  });
  if (result.exitCode !== 0) {
    throw new HarnessError(`rebuilding ${name} as a replica failed (exit ${result.exitCode}):\n${result.logs}`, 'rejoin-failed');
  }
  const how = /done by (\S+)/.exec(result.logs)?.[1] ?? 'unknown';
  const rewound = /servers diverged at WAL location (\S+) on timeline (\d+)/.exec(result.logs);
  proof.observed(
    `${name} rebuilt as replica of ${spec.source.host}:${spec.source.port} by ${how}` +
      `${rewound ? ` (diverged at ${rewound[1]} on timeline ${rewound[2]})` : /no rewind required/.test(result.logs) ? ' (no rewind required)' : ''}` +
      ` in ${result.durationMs} ms`,
  );
  await startContainer(stack, db);
}
