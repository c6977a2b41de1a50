/** Operator actions: what the person on call does, each recorded in the run's history with proof of effect. */
export { type OperatorAction, Proof, recordAction, operatorAction } from './action.js';
export { failover, FAILOVER } from './failover.js';
export { failback, FAILBACK } from './failback.js';
export { startLookup, stopLookup, START_LOOKUP, STOP_LOOKUP } from './lookup.js';
