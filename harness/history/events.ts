import type { ClinicalFunction } from '../stack/definition.js';
import type { ClockMark } from './clock.js';

/**
 * One run, one history: every component writes time-stamped events here and nothing else; checkers only read it.
 * Times: `t` is wall-clock epoch milliseconds; `scenarioMs` is the same instant in scenario time (see Clock).
 */

export interface Stamp {
  t: number;
  scenarioMs: number;
  /** which clock the instant fell in: a scripted wait (compressed by the scale) or measured work (1:1) */
  clockMark?: ClockMark;
}

/**
 * The scenario clock changed pace at `t` (harness/history/clock.ts): measured work began (1:1 with the wall) or
 * ended (scripted waits, `scale` times faster). With the first one, at scenario 0, they rebuild the clock.
 */
export interface ClockEvent extends Stamp {
  kind: 'clock';
  mark: ClockMark;
  scale: number;
}

/** A phase of the experiment (baseline, fault, recovery, …) starts at this instant and lasts until the next. */
export interface PhaseEvent extends Stamp {
  kind: 'phase';
  name: string;
  /**
   * The phase begins where a fault first took effect (harness/timeline/timeline.ts): a failed attempt of the phase
   * before, still in flight at this instant, is the fault's and counted in neither (`caughtByOnset`).
   */
  onset?: true;
  /**
   * Its instant is its step's, not the instant the harness got round to stamping it: a scheduled instant, or one
   * stamped before the step's effect (a transition's start) or after its proof (harness/timeline/phase-start.ts). A
   * stall of the harness's event loop delays the step with the stamp, so no attempt can land on the wrong side of
   * this edge (harness/checkers/evidence.ts); at worst the transition between grows.
   */
  anchored?: true;
  /**
   * The attempts between asking for a step and its proof (harness/timeline/phase-start.ts): they may or may not have
   * been hit, and how long it lasts is how long the step took (a database's restart), not the stack's answer to it.
   */
  transition?: true;
}

/**
 * Why an attempt failed: the categories a clinician would notice differently. `not-sent`: the arrival could not be
 * sent within 100 ms of its slot because every worker was held by the EPJ (harness/workload/epj-load/schedule.go).
 */
export type FailureCause = 'timeout' | 'refused' | 'reset' | 'http-4xx' | 'http-5xx' | 'not-sent' | 'other';

/**
 * Attempts of one function that STARTED (arrived) in [bucket, bucket + widthMs), aggregated by the workload driver
 * so memory does not grow with the number of attempts. Availability = successes ÷ attempts (timeouts count as
 * failures). A bucket is 1 s of wall time, cut at every phase edge inside it, so an attempt is counted in the phase
 * in which it started whatever the width (see docs/measurements.md).
 */
export interface RequestBucketEvent extends Stamp {
  kind: 'requests';
  fn: ClinicalFunction;
  /** start of the bucket (or of its piece after a phase edge), epoch ms */
  bucket: number;
  /** length of the bucket or piece in ms (1000 unless a driver says otherwise, shorter where a phase edge cut it) */
  widthMs: number;
  attempts: number;
  successes: number;
  failures: Partial<Record<FailureCause, number>>;
  latencyMs: { p50: number; p95: number; p99: number; max: number };
  /** every attempt's latency in the fixed log-linear layout, non-empty bins only: buckets merge by adding counts */
  latencyHistogram?: import('../workload/histogram.js').SparseHistogram;
  /** start instants (epoch ms) of attempts inside the bucket, so impact and recovery are placed by attempts */
  firstSuccessAt?: number;
  firstFailureAt?: number;
  lastFailureAt?: number;
  /** the first success that started after the bucket's last failure (= firstSuccessAt when nothing failed) */
  firstSuccessAfterLastFailureAt?: number;
  /** arrivals the load generator itself was too late to send (not attempts: a mark against the harness) */
  skipped?: number;
  /** the longest any attempt here waited between its slot and being sent, ms */
  maxSendLagMs?: number;
  /**
   * Failed attempts that started here and were still in flight when the next phase began with a fault's first
   * effect: the fault's, not this phase's, so not in `attempts` (harness/workload/buckets.ts). Kept for the count
   * against the load's schedule.
   */
  caughtByOnset?: number;
}

/** The clinical load started (rates, per function) or stopped (with each function's first and last arrival slot). */
export interface LoadEvent extends Stamp {
  kind: 'load';
  stage: 'started' | 'stopped';
  /** arrivals per second per function */
  rates: Partial<Record<ClinicalFunction, number>>;
  timeoutMs: number;
  slots?: Partial<Record<ClinicalFunction, { first: number; last: number }>>;
}

/**
 * The harness watching itself (harness/selfwatch/): a 2-core machine running the stack, the load and the harness
 * can saturate, and then a slow harness looks like a slow EPJ. One sample per interval.
 */
export interface HarnessHealthEvent extends Stamp {
  kind: 'harness';
  /** the sample covers (t − intervalMs, t] */
  intervalMs: number;
  /** Node's event-loop delay over the interval (timers, probes and fault instants are read on it) */
  eventLoopDelayMs: { p99: number; max: number };
  /** share of the interval the host's CPUs were busy, 0..1 */
  cpuBusy: number;
  /** share of the interval some runnable task waited for a CPU (Linux PSI), 0..1; null where the kernel lacks it */
  cpuPressure: number | null;
  /** the harness's own equipment (its Toxiproxy, the Docker engine) that did not answer at this sample, with why */
  equipmentDown?: { part: string; error: string }[];
}

/**
 * One write the workload attempted. `outcome` is `acknowledged` only for a 2xx with a resource id; `failed` only
 * when nothing can have been written (refused, never sent, a 4xx); a timeout, a reset or a 5xx leaves it `unknown`
 * (it may or may not have committed: a primary can die after its synchronous standby applied the commit).
 */
export interface WriteEvent extends Stamp {
  kind: 'write';
  fn: ClinicalFunction;
  /** the attempt's arrival instant (epoch ms); `t` is when its answer came */
  start?: number;
  /** client-side id carried in the resource (identifier system urn:epj-chaos:write-id) */
  writeId: string;
  resourceType: string;
  outcome: 'acknowledged' | 'failed' | 'unknown';
  resourceId?: string;
  versionId?: string;
  status?: number;
  /**
   * The front door (a published link of the stack definition) the write was sent through. Which site answered
   * follows from where that door pointed at `t` (the definition, then any repoint an action recorded):
   * harness/checkers/split-brain.ts. Absent when the load was given bare URLs.
   */
  via?: string;
}

export type FaultStage = 'scheduled' | 'applied' | 'observed' | 'healed' | 'failed';

/** A fault's life: scheduled (when the timeline said), applied (when it took effect), observed (proof), healed. */
export interface FaultEvent extends Stamp {
  kind: 'fault';
  /** unique per fault instance in the run, e.g. `site-power#1` */
  id: string;
  fault: string;
  stage: FaultStage;
  target: string;
  /** on `scheduled`: the name the timeline injected it under (what a check or a heal step refers to) */
  step?: string;
  /** for `applied`: applied − scheduled, in wall milliseconds */
  skewMs?: number;
  detail?: string;
}

/**
 * What an operator action changed that checkers reason about, each with the instant it was observed; `notBefore`
 * is the previous observed instant (or the action's start): the change took effect in between.
 */
export type ActionEffect =
  | { kind: 'promoted'; container: string; at: number; notBefore: number }
  | { kind: 'repointed'; link: string; container: string; port: number; at: number; notBefore: number };

/** An operator action (failover, failback, start Opslags-EPJ, …) and when it took effect. */
export interface ActionEvent extends Stamp {
  kind: 'action';
  id: string;
  action: string;
  stage: 'scheduled' | 'started' | 'completed' | 'failed';
  skewMs?: number;
  detail?: string;
  /** on completed and failed: the changes it made, structured (the detail says the same in words) */
  effects?: ActionEffect[];
}

/** A replication sample from the primary: byte gap and pg_stat_replication lags (null when not streaming). */
export interface LagEvent extends Stamp {
  kind: 'lag';
  replica: string;
  state: string;
  bytes: number | null;
  writeLagMs: number | null;
  flushLagMs: number | null;
  replayLagMs: number | null;
}

/**
 * How stale one reader is, the pt-heartbeat way (harness/probes/staleness.ts): heartbeats are written at the primary
 * every few hundred ms; `t` is when the reader answered, `heartbeatAt` the write instant of the newest heartbeat it
 * showed, staleness = t − heartbeatAt. A reader that cannot answer keeps its last known heartbeat (`unreachable`),
 * so staleness keeps growing while it is down or cut off.
 */
export interface StalenessEvent extends Stamp {
  kind: 'staleness';
  /** the container read (a replica database, Opslags-EPJ), by its name in the stack definition */
  reader: string;
  /** `sql`: the heartbeat table through the reader's admin link; `fhir`: heartbeat resources through a front door */
  via: 'sql' | 'fhir';
  /** the link the read went through */
  link: string;
  /** write instant (epoch ms) of the newest heartbeat seen; null while none of this probe's was seen */
  heartbeatAt: number | null;
  /** t − heartbeatAt, ms; null while no heartbeat was seen */
  stalenessMs: number | null;
  /**
   * how long the reader had been behind the primary when the read was sent: since the primary acknowledged the
   * oldest heartbeat the reader did not show (0 when it showed every one acknowledged by then); null while it showed
   * none. Unlike staleness it does not grow while the primary itself takes no writes (a restart, a failover).
   * Absent in journals written before it was recorded.
   */
  lagMs?: number | null;
  unreachable: boolean;
  /** why the reader did not answer */
  error?: string;
}

/** Anything else worth a line in the journal (stack up, steady state checked, …). */
export interface NoteEvent extends Stamp {
  kind: 'note';
  message: string;
  data?: Record<string, unknown>;
}

export type HistoryEvent = ClockEvent | PhaseEvent | RequestBucketEvent | LoadEvent | HarnessHealthEvent | WriteEvent | FaultEvent | ActionEvent | LagEvent | StalenessEvent | NoteEvent;
export type EventKind = HistoryEvent['kind'];
export type EventOf<K extends EventKind> = Extract<HistoryEvent, { kind: K }>;
/** What a writer hands over; the history stamps it. */
export type NewEvent = { [K in EventKind]: Omit<EventOf<K>, 't' | 'scenarioMs'> & Partial<Stamp> }[EventKind];
