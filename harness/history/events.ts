import type { ClinicalFunction } from '../stack/definition.js';

/**
 * One run, one history: every component writes time-stamped events here and nothing else; checkers only read it.
 * Times: `t` is wall-clock epoch milliseconds; `scenarioMs` is the same instant in scenario time (see Clock).
 */

export interface Stamp {
  t: number;
  scenarioMs: number;
}

/** A phase of the experiment (baseline, fault, recovery, …) starts at this instant and lasts until the next. */
export interface PhaseEvent extends Stamp {
  kind: 'phase';
  name: string;
}

/** Why an attempt failed: the categories a clinician would notice differently. */
export type FailureCause = 'timeout' | 'refused' | 'reset' | 'http-4xx' | 'http-5xx' | 'other';

/**
 * Requests of one function in one 1-second bucket of wall time, aggregated by the workload driver so memory does
 * not grow with the number of requests. Availability = successes ÷ attempts (timeouts count as failures).
 */
export interface RequestBucketEvent extends Stamp {
  kind: 'requests';
  fn: ClinicalFunction;
  /** start of the bucket, epoch ms, a multiple of widthMs */
  bucket: number;
  /** bucket width in ms (1000 unless a driver says otherwise) */
  widthMs: number;
  attempts: number;
  successes: number;
  failures: Partial<Record<FailureCause, number>>;
  latencyMs: { p50: number; p95: number; p99: number; max: number };
  /** completion instants (epoch ms) inside the bucket, so recovery can be placed closer than a bucket */
  firstSuccessAt?: number;
  lastFailureAt?: number;
}

/**
 * One write the workload attempted. `outcome` is `acknowledged` only for a 2xx with a resource id; `failed` only
 * when nothing can have been written (refused, never sent, a 4xx); a timeout, a reset or a 5xx leaves it `unknown`
 * (it may or may not have committed: a primary can die after its synchronous standby applied the commit).
 */
export interface WriteEvent extends Stamp {
  kind: 'write';
  fn: ClinicalFunction;
  /** client-side id carried in the resource (identifier system urn:epj-chaos:write-id) */
  writeId: string;
  resourceType: string;
  outcome: 'acknowledged' | 'failed' | 'unknown';
  resourceId?: string;
  versionId?: string;
  status?: number;
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
  /** for `applied`: applied − scheduled, in wall milliseconds */
  skewMs?: number;
  detail?: string;
}

/** An operator action (failover, failback, start Opslags-EPJ, …) and when it took effect. */
export interface ActionEvent extends Stamp {
  kind: 'action';
  id: string;
  action: string;
  stage: 'scheduled' | 'started' | 'completed' | 'failed';
  skewMs?: number;
  detail?: string;
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

/** Anything else worth a line in the journal (stack up, steady state checked, …). */
export interface NoteEvent extends Stamp {
  kind: 'note';
  message: string;
  data?: Record<string, unknown>;
}

export type HistoryEvent = PhaseEvent | RequestBucketEvent | WriteEvent | FaultEvent | ActionEvent | LagEvent | NoteEvent;
export type EventKind = HistoryEvent['kind'];
export type EventOf<K extends EventKind> = Extract<HistoryEvent, { kind: K }>;
/** What a writer hands over; the history stamps it. */
export type NewEvent = { [K in EventKind]: Omit<EventOf<K>, 't' | 'scenarioMs'> & Partial<Stamp> }[EventKind];
