import type { OperatorAction } from './action.js';
import { runbookAction } from '../runbooks/run-runbook.js';

/**
 * Failback to the original primary's site after a failover, losing no write the replica's site acknowledged: the
 * stack definition's runbook `failback`. The reference stack's (fixtures/stacks/reference.json): rebuild the old
 * primary as a replica of the promoted one (pg_rewind in a one-off container on its volume) and let it catch up;
 * switch over (writes stopped at the replica's site, the old primary replays everything, is promoted); rebuild the
 * replica as a replica again; make the original EPJ writable and repoint the front door back. Writes the old
 * primary had that never reached the replica are discarded by the rewind: they were lost at failover.
 */

export const FAILBACK = 'failback';

export function failback(): OperatorAction {
  return runbookAction(FAILBACK);
}
