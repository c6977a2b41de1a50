import type { OperatorAction } from './action.js';
import { runbookAction } from '../runbooks/run-runbook.js';

/**
 * Start / stop the read-only fallback (Opslags-EPJ): the stack definition's runbooks `start-lookup` and
 * `stop-lookup`. In the incident it could not be started; the reference stack's runbooks prove a start by its
 * /healthz answering through the admin link, a stop by the container being down and that link getting no answer.
 */

export const START_LOOKUP = 'start-lookup';
export const STOP_LOOKUP = 'stop-lookup';

export function startLookup(): OperatorAction {
  return runbookAction(START_LOOKUP);
}

/** Stopping it breaks lookups there: the runbook says `kind: break`, measured until the failing settles. */
export function stopLookup(): OperatorAction {
  return runbookAction(STOP_LOOKUP);
}
