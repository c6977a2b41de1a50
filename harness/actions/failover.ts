import { describeError, InvalidInputError } from '../errors.js';
import { operatorAction, type OperatorAction } from './action.js';
import { failoverTopology } from '../stack/topology.js';
import { inRecovery, promote, sendWritesTo, setEpjMode, setRoleMarker, sql } from './support.js';

/**
 * Failover to the replica's site (docs/architecture.md): promote the replica, make the standby EPJ writable on it,
 * repoint the EPJ front door. Parts are found by role (harness/stack/topology.ts). Everything goes through the
 * replica site's admin links and Toxiproxy: it must work with the primary's site dead (power loss, WAN cut), so
 * nothing here waits for it. Reaching the old EPJ is only attempted, to fence it, and never required.
 */

export const FAILOVER = 'failover';

interface WalState {
  receive_lsn: string | null;
  replay_lsn: string | null;
  replay_ts: Date | null;
  receiver: string | null;
}

export interface FailoverOptions {
  /**
   * Fence A's EPJ before promoting (default true). `false` is the operator who forgets: A keeps acknowledging
   * writes from clients that still reach it — the split brain harness/checkers/split-brain.ts finds.
   */
  fence?: boolean;
}

export function failover(opts: FailoverOptions = {}): OperatorAction {
  const fence = opts.fence ?? true;
  return operatorAction(FAILOVER, async (ctx, proof) => {
    const { stack } = ctx;
    const t = failoverTopology(stack.definition);
    const { replica, epj } = t;
    // A failover onto a primary is a mistake (already failed over, or the wrong stack): refuse before acting.
    if (!(await inRecovery(stack, replica.adminLink))) {
      throw new InvalidInputError(
        `failover refused: ${replica.container} is not a replica (pg_is_in_recovery() = false) — it has already been promoted, so there is nothing to fail over to`,
        'fail back first (failback action), or start from a fresh stack',
      );
    }

    // Fence the primary's EPJ if it can still be reached, so no writes are acknowledged there once the replica's
    // site has taken over. Short timeout: with that site dead this must not hold the failover up.
    if (!fence) {
      proof.note(`${epj.container} not fenced (fence: false)`);
    } else {
      try {
        await setEpjMode(stack, epj.adminLink, 'standby', 1000);
        proof.observed(`${epj.container} fenced (mode standby)`);
      } catch (err) {
        proof.note(`${epj.container} not fenced (unreachable: ${describeError(err)})`);
      }
    }

    // What the replica had at the instant of failover: the bound on what the lost-writes verdict can find there.
    const [wal] = await sql<WalState>(
      stack,
      replica.adminLink,
      `SELECT pg_last_wal_receive_lsn()::text AS receive_lsn, pg_last_wal_replay_lsn()::text AS replay_lsn,
              pg_last_xact_replay_timestamp() AS replay_ts, (SELECT status FROM pg_stat_wal_receiver) AS receiver`,
    );
    proof.note(
      `${replica.container} before promotion: received ${wal!.receive_lsn ?? 'none'}, replayed ${wal!.replay_lsn ?? 'none'}, ` +
        `last replayed commit ${wal!.replay_ts?.toISOString() ?? 'none'}, WAL receiver ${wal!.receiver ?? 'not running'}`,
    );

    await promote(stack, replica.adminLink);
    proof.observed(`${replica.container} promoted (pg_is_in_recovery=false)`, { kind: 'promoted', container: replica.container });
    await setRoleMarker(stack, replica.adminLink, 'primary'); // a restart must keep it the primary

    await sendWritesTo(ctx, proof, t, t.standbyEpj);
  });
}
