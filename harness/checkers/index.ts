/** Checkers: pure functions from a History to Verdicts (Jepsen's checker idea). No I/O, no Docker. */
export * from './verdict.js';
export * from './per-function.js';
export * from './format.js';
export * from './buckets.js';
export * from './phases.js';
export * from './availability.js';
export * from './rto.js';
export * from './steady-state.js';
export * from './lost-writes.js';
export * from './staleness.js';
export * from './what-if.js';
export * from './split-brain.js';
