import { describeError, InvalidInputError } from '../errors.js';
import { operatorAction, type OperatorAction } from './action.js';
import { inRecovery, promote, sendWritesTo, setEpjMode, setRoleMarker, sql } from './support.js';

/**
 * Failover to site B (docs/architecture.md): promote b-db, make b-epj writable on it, repoint the EPJ front door.
 * Everything goes through B's admin links and Toxiproxy: it must work with site A dead (power loss, WAN cut),
 * so nothing here waits for A. Reaching A's EPJ is only attempted, to fence it, and never required.
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
    // A failover onto a primary is a mistake (already failed over, or the wrong stack): refuse before acting.
    if (!(await inRecovery(stack, 'b-db-admin'))) {
      throw new InvalidInputError(
        'failover refused: b-db is not a replica (pg_is_in_recovery() = false) — it has already been promoted, so there is nothing to fail over to',
        'fail back first (failback action), or start from a fresh stack',
      );
    }

    // Fence A's EPJ if it can still be reached, so no writes are acknowledged at A once B has taken over.
    // Short timeout: with site A dead this must not hold the failover up.
    if (!fence) {
      proof.note('a-epj not fenced (fence: false)');
    } else {
      try {
        await setEpjMode(stack, 'a-epj-admin', 'standby', 1000);
        proof.observed('a-epj fenced (mode standby)');
      } catch (err) {
        proof.note(`a-epj not fenced (unreachable: ${describeError(err)})`);
      }
    }

    // What B had from A at the instant of failover: the bound on what the lost-writes verdict can find at B.
    const [wal] = await sql<WalState>(
      stack,
      'b-db-admin',
      `SELECT pg_last_wal_receive_lsn()::text AS receive_lsn, pg_last_wal_replay_lsn()::text AS replay_lsn,
              pg_last_xact_replay_timestamp() AS replay_ts, (SELECT status FROM pg_stat_wal_receiver) AS receiver`,
    );
    proof.note(
      `b-db before promotion: received ${wal!.receive_lsn ?? 'none'}, replayed ${wal!.replay_lsn ?? 'none'}, ` +
        `last replayed commit ${wal!.replay_ts?.toISOString() ?? 'none'}, WAL receiver ${wal!.receiver ?? 'not running'}`,
    );

    await promote(stack, 'b-db-admin');
    proof.observed('b-db promoted (pg_is_in_recovery=false)', { kind: 'promoted', container: 'b-db' });
    await setRoleMarker(stack, 'b-db-admin', 'primary'); // a restart of b-db must keep it the primary

    await sendWritesTo(ctx, proof, 'B');
  });
}
