/** The experiment language: what an experiment file imports (through harness/index.ts). */
export { experiment } from './experiment.js';
export { runExperiment, type ExperimentSpec, type ExperimentResult, type ExperimentStatus, type CheckOutcome } from './run.js';
export { at, type Step } from './timeline.js';
export { availability, rto, lostWrites, staleness, whatIfLoss, latency, divergentWrites, type Check, type AbortCondition, type FunctionChoice } from './checks.js';
export * from './faults.js';
export { parseDuration } from './duration.js';
