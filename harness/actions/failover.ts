import type { OperatorAction } from './action.js';
import { runbookAction } from '../runbooks/run-runbook.js';

/**
 * Failover to the replica's site: the stack definition's runbook `failover` (the reference stack's, in
 * fixtures/stacks/reference.json: refuse unless the replica is one, fence the primary's EPJ if it answers, note
 * what the replica had, promote it, make the standby EPJ writable, repoint the EPJ front door, prove a write).
 * A vendor's failover is their runbook. It must work with the primary's site dead, so no step may need it.
 */

export const FAILOVER = 'failover';

export interface FailoverOptions {
  /**
   * Run the runbook's fencing steps (default true). `false` is the operator who forgets: the old site keeps
   * acknowledging writes from clients that still reach it — the split brain harness/checkers/split-brain.ts finds.
   */
  fence?: boolean;
}

export function failover(opts: FailoverOptions = {}): OperatorAction {
  return runbookAction(FAILOVER, { fence: opts.fence ?? true });
}
