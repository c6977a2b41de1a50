/**
 * The public face of epj-chaos: experiments import from here and nowhere else.
 *
 * Shape (docs/architecture.md): a stack definition → a started stack; a timeline of faults and operator actions, a clinical
 * workload and probes all write to one History; checkers read the history and give verdicts.
 */

// stack
export { upStack, type UpOptions } from './stack/up.js';
export { StartedStack, type StackEndpoints, type ContainerState } from './stack/started-stack.js';
export { referenceStack, REPLICATION_MODES, type ReplicationMode, type ReferenceStackOptions } from './stack/reference-stack.js';
export { parseStackDefinition, CLINICAL_FUNCTIONS, type ClinicalFunction, type StackDefinition, type StackDefinitionInput } from './stack/definition.js';
export type { RunContext } from './run-context.js';

// history
export { History } from './history/history.js';
export { Clock } from './history/clock.js';
export type * from './history/events.js';

// faults, timeline, operator actions
export * from './faults/index.js';
export { Timeline, type TimelineStep } from './timeline/timeline.js';
export * from './actions/index.js';

// workload and probes
export * from './workload/index.js';
export { readBackSites } from './workload/readback.js';
export * from './probes/replication-lag.js';
export { startStalenessProbe, type StalenessProbe, type StalenessProbeOptions, type StalenessReader } from './probes/staleness.js';
export { replicationModeOf, replicationSettingOf, type ReplicationSetting } from './probes/replication-mode.js';
export { HEARTBEAT_SYSTEM, HEARTBEAT_SERIES_SYSTEM, heartbeatResource } from './probes/heartbeat-resource.js';

// checkers
export * from './checkers/index.js';

// FHIR and synthetic data
export { FhirClient, FhirError, type Resource, type FhirResponse } from './fhir/client.js';
export { syntheticPatient, clinicalNote, writeIdentifier, WRITE_ID_SYSTEM } from './fhir/resources.js';
export { syntheticCpr, isSyntheticCpr, CPR_SYSTEM } from './fhir/synthetic-cpr.js';

// the experiment language (experiments/*.experiment.ts)
export * from './experiment/index.js';

// scenario runner
export { runScenario, type ScenarioOutcome } from './scenario/run-scenario.js';
export { parseScenario, loadScenario, type Scenario } from './scenario/scenario.js';

export { HarnessError, InvalidInputError } from './errors.js';
export { writeJournal, type Journal } from './reporters/journal.js';
