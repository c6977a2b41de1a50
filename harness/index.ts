/**
 * The public face of epj-chaos: the experiment language, and nothing of the engine. An experiment file imports from
 * here and nowhere else (docs/experiments.md); the engine's parts (stack, history, workload, checkers) are reached by
 * their own modules, by the harness itself and its tests.
 */

// declaring and running an experiment
export { experiment } from './experiment/experiment.js';
export { runExperiment, type ExperimentSpec, type ExperimentResult, type ExperimentStatus, type CheckOutcome } from './experiment/run.js';
export { at, type Step } from './experiment/timeline.js';
export { parseDuration } from './experiment/duration.js';

// the stack an experiment names
export { referenceStack, REPLICATION_MODES, INTEGRATION_PLACEMENTS, type ReplicationMode, type ReferenceStackOptions } from './stack/reference-stack.js';
export { CLINICAL_FUNCTIONS, type ClinicalFunction, type StackDefinitionInput } from './stack/definition.js';
export { WRITE_FUNCTIONS, INTEGRATION_FUNCTIONS, EPJ_FUNCTIONS } from './workload/profile.js';

// faults, in an experiment's words
export * from './experiment/faults.js';

// what the person on call does
export { failover, failback, startLookup, stopLookup, type OperatorAction } from './actions/index.js';
/** any runbook of the stack definition by name, e.g. a vendor's own `fence` or `restart-integrations` */
export { runbookAction as runbook } from './runbooks/run-runbook.js';

// checks and abort conditions
export { availability, rto, lostWrites, staleness, whatIfLoss, latency, divergentWrites, type Check, type AbortCondition, type FunctionChoice } from './experiment/checks.js';

// reading a run's journal afterwards
export { readJournal, type JournalFile } from './reporters/journal-schema.js';
