import { HarnessError } from '../errors.js';
import type { FailureCause, WriteEvent } from '../history/events.js';
import { CLINICAL_FUNCTIONS, type ClinicalFunction } from '../stack/definition.js';

/** One completed attempt as epj-load prints it (one NDJSON line). */
export interface LoadAttempt {
  /** completion instant, epoch ms */
  t: number;
  /** the arrival's slot, epoch ms (fractional): the attempt belongs to the phase and bucket it started in */
  start: number;
  /** how long after its slot it was sent, ms (< 100: later arrivals are not sent, see epj-load/schedule.go) */
  sendLagMs: number;
  fn: ClinicalFunction;
  ok: boolean;
  /** HTTP status of the attempt (for a chain: the failing step's, else the last); 0 when no response came */
  status: number;
  latencyMs: number;
  cause: FailureCause | null;
  write?: {
    writeId: string;
    resourceType: string;
    resourceId?: string;
    versionId?: string;
    outcome: WriteEvent['outcome'];
  };
  /** error text or OperationOutcome diagnostics of a failure (≤ 200 chars) */
  detail?: string;
}

export interface LoadFunctionSummary {
  rate: number;
  workers: number;
  /** attempts the pacer should have started (rate × elapsed) */
  expected: number;
  attempts: number;
  /** arrivals epj-load was itself too late to send (not attempts) */
  skipped: number;
  ok: number;
  failures: Partial<Record<FailureCause, number>>;
}

/** epj-load's last line. */
export interface LoadSummary {
  startedAt: number;
  endedAt: number;
  durationMs: number;
  interrupted: boolean;
  functions: Partial<Record<ClinicalFunction, LoadFunctionSummary>>;
}

/** An arrival epj-load was too late to send while workers were free: its own lag, not the EPJ's failure. */
export interface LoadSkip {
  fn: ClinicalFunction;
  start: number;
  lagMs: number;
}

/**
 * Per function, the instant before which every arrival's line (attempt or skip) has been printed: epj-load's
 * watermark, every 50 ms while it moves (epj-load/schedule.go).
 */
export type LoadWatermarkLine = Partial<Record<ClinicalFunction, number>>;

export type LoadLine =
  | { type: 'attempt'; attempt: LoadAttempt }
  | { type: 'skip'; skip: LoadSkip }
  | { type: 'watermark'; upTo: LoadWatermarkLine }
  | { type: 'summary'; summary: LoadSummary };

export class MalformedLineError extends HarnessError {
  constructor(
    readonly lineNo: number,
    readonly text: string,
    problem: string,
  ) {
    super(
      `epj-load printed a malformed line ${lineNo} (${problem}): ${JSON.stringify(text.slice(0, 200))}`,
      'workload-malformed-line',
      'epj-load and the driver disagree on the line format: rebuild it with `npm run setup`',
    );
    this.name = 'MalformedLineError';
  }
}

const CAUSES: readonly string[] = ['timeout', 'refused', 'reset', 'http-4xx', 'http-5xx', 'not-sent', 'other'];
const OUTCOMES: readonly string[] = ['acknowledged', 'failed', 'unknown'];
const FUNCTIONS: readonly string[] = CLINICAL_FUNCTIONS;

/** Parses and checks one stdout line of epj-load; throws MalformedLineError naming the line. */
export function parseLoadLine(text: string, lineNo: number): LoadLine {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    throw new MalformedLineError(lineNo, text, 'not JSON');
  }
  const bad = (problem: string): never => {
    throw new MalformedLineError(lineNo, text, problem);
  };
  if (!isObject(v)) return bad('not a JSON object');
  if ('summary' in v) {
    const s = v.summary;
    if (!isObject(s) || !isObject(s.functions) || typeof s.durationMs !== 'number' || typeof s.interrupted !== 'boolean') {
      return bad('summary lacks functions/durationMs/interrupted');
    }
    return { type: 'summary', summary: s as unknown as LoadSummary };
  }
  if ('watermark' in v) {
    const w = v.watermark;
    if (!isObject(w)) return bad('watermark must be an object');
    for (const [fn, t] of Object.entries(w)) {
      if (!FUNCTIONS.includes(fn)) bad(`watermark of unknown fn ${JSON.stringify(fn)}`);
      if (!isInstant(t)) bad(`watermark.${fn} must be epoch milliseconds`);
    }
    return { type: 'watermark', upTo: w as LoadWatermarkLine };
  }
  if ('skip' in v) {
    const k = v.skip;
    if (!isObject(k) || typeof k.fn !== 'string' || !FUNCTIONS.includes(k.fn)) return bad('skip.fn must be a clinical function');
    if (!isInstant(k.start)) bad('skip.start must be epoch milliseconds');
    if (typeof k.lagMs !== 'number' || !Number.isFinite(k.lagMs)) bad('skip.lagMs must be a number');
    return { type: 'skip', skip: { fn: k.fn as ClinicalFunction, start: k.start as number, lagMs: k.lagMs as number } };
  }
  const { t, start, sendLagMs, fn, ok, status, latencyMs, cause, write, detail } = v;
  if (!isInstant(t)) bad('t must be epoch milliseconds');
  if (!isInstant(start)) bad('start must be epoch milliseconds');
  if (typeof sendLagMs !== 'number' || !Number.isFinite(sendLagMs)) bad('sendLagMs must be a number');
  if (typeof fn !== 'string' || !FUNCTIONS.includes(fn)) bad(`unknown fn ${JSON.stringify(fn)}`);
  if (typeof ok !== 'boolean') bad('ok must be a boolean');
  if (typeof status !== 'number' || !Number.isInteger(status) || status < 0 || status > 999) bad('status must be an HTTP status or 0');
  if (typeof latencyMs !== 'number' || !Number.isFinite(latencyMs) || latencyMs < 0) bad('latencyMs must be a number ≥ 0');
  if (ok ? cause !== null : typeof cause !== 'string' || !CAUSES.includes(cause)) {
    bad(ok ? 'cause must be null when ok' : `cause must be one of ${CAUSES.join(', ')}`);
  }
  if (detail !== undefined && typeof detail !== 'string') bad('detail must be a string');
  const attempt: LoadAttempt = {
    t: t as number,
    start: start as number,
    sendLagMs: sendLagMs as number,
    fn: fn as ClinicalFunction,
    ok: ok as boolean,
    status: status as number,
    latencyMs: latencyMs as number,
    cause: cause as FailureCause | null,
    ...(detail === undefined ? {} : { detail: detail as string }),
  };
  if (write !== undefined) {
    if (!isObject(write)) return bad('write must be an object');
    const { writeId, resourceType, resourceId, versionId, outcome } = write;
    if (typeof writeId !== 'string' || writeId === '') bad('write.writeId must be a non-empty string');
    if (typeof resourceType !== 'string' || resourceType === '') bad('write.resourceType must be a non-empty string');
    if (typeof outcome !== 'string' || !OUTCOMES.includes(outcome)) bad(`write.outcome must be one of ${OUTCOMES.join(', ')}`);
    if (resourceId !== undefined && typeof resourceId !== 'string') bad('write.resourceId must be a string');
    if (versionId !== undefined && typeof versionId !== 'string') bad('write.versionId must be a string');
    if (outcome === 'acknowledged' && !resourceId) bad('an acknowledged write needs a resourceId');
    if (outcome === 'acknowledged' && !ok) bad('an acknowledged write must be ok');
    attempt.write = {
      writeId: writeId as string,
      resourceType: resourceType as string,
      outcome: outcome as WriteEvent['outcome'],
      ...(resourceId ? { resourceId: resourceId as string } : {}),
      ...(versionId ? { versionId: versionId as string } : {}),
    };
  }
  return { type: 'attempt', attempt };
}

function isInstant(v: unknown): v is number {
  return typeof v === 'number' && Number.isFinite(v) && v > 0;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
