import { HarnessError } from '../../errors.js';
import type { FailureCause, WriteEvent } from '../../history/events.js';
import { CLINICAL_FUNCTIONS, type ClinicalFunction } from '../../stack/definition.js';
import type { LoadAttempt } from '../lines.js';

/**
 * k6's `--out json` format, one JSON object a line (k6: internal/output/json/wrapper.go):
 *   {"type":"Metric","data":{"name":…,"type":…,"contains":…,"thresholds":…,"submetrics":…},"metric":…}
 *   {"type":"Point","data":{"time":"<RFC 3339, ns>","value":…,"tags":{…},"metadata":{…}},"metric":…}
 * A Metric line comes once, before the first Point of its metric.
 */
export type K6Line =
  | { type: 'Metric'; metric: string }
  | { type: 'Point'; metric: string; time: string; t: number; value: number; tags: Readonly<Record<string, string>>; metadata: Readonly<Record<string, string>> }
  | { type: 'other'; envelope: string };

/** The request tag that names the clinical function, unless told otherwise. */
export const DEFAULT_FUNCTION_TAG = 'epj_function';
/** Tag (or metadata key) carrying a write's client-side id, and the resource type written. */
export const WRITE_ID_KEY = 'epj_write_id';
export const RESOURCE_TYPE_KEY = 'epj_resource_type';

export class K6MalformedLineError extends HarnessError {
  constructor(
    readonly lineNo: number,
    text: string,
    problem: string,
  ) {
    super(
      `k6 wrote a malformed line ${lineNo} to its JSON output (${problem}): ${JSON.stringify(text.slice(0, 200))}`,
      'workload-malformed-line',
      'the adapter reads the format of k6’s `--out json` (internal/output/json in k6); is this k6, and did the script write to the same file?',
    );
    this.name = 'K6MalformedLineError';
  }
}

/** Parses and checks one line of k6's JSON output; throws K6MalformedLineError naming the line. */
export function parseK6Line(text: string, lineNo: number): K6Line {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    throw new K6MalformedLineError(lineNo, text, 'not JSON');
  }
  const bad = (problem: string): never => {
    throw new K6MalformedLineError(lineNo, text, problem);
  };
  if (!isObject(v)) return bad('not a JSON object');
  if (typeof v.type !== 'string') return bad('no "type"');
  if (typeof v.metric !== 'string' || v.metric === '') return bad('no "metric" name');
  if (v.type === 'Metric') return { type: 'Metric', metric: v.metric };
  // a newer k6 may add envelopes; they are counted and reported, not fatal
  if (v.type !== 'Point') return { type: 'other', envelope: v.type };
  const d = v.data;
  if (!isObject(d)) return bad('a Point without "data"');
  if (typeof d.time !== 'string') return bad('data.time must be an RFC 3339 string');
  const t = parseK6Time(d.time);
  if (t === undefined) return bad(`data.time ${JSON.stringify(d.time)} is not an RFC 3339 instant`);
  if (typeof d.value !== 'number' || !Number.isFinite(d.value)) return bad('data.value must be a number');
  const tags = stringMap(d.tags);
  if (tags === undefined) return bad('data.tags must be an object of strings or null');
  const metadata = stringMap(d.metadata);
  if (metadata === undefined) return bad('data.metadata must be an object of strings');
  return { type: 'Point', metric: v.metric, time: d.time, t, value: d.value, tags, metadata };
}

const RFC3339 = /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(?:\.(\d+))?(Z|[+-]\d\d:\d\d)$/;

/** Epoch ms of Go's RFC 3339 time (nanosecond digits kept as a fraction of a ms, which Date.parse would drop). */
export function parseK6Time(s: string): number | undefined {
  const m = RFC3339.exec(s);
  if (!m) return undefined;
  const whole = Date.parse(`${m[1]}${m[3]}`);
  if (!Number.isFinite(whole)) return undefined;
  const fraction = m[2] ? Number(`0.${m[2]}`) * 1000 : 0;
  return whole + fraction;
}

/**
 * Why a k6 request failed, from its `status` tag and, for status 0 (no response), its `error_code` and `error`
 * tags (k6: lib/netext/httpext/error_codes.go). 1050 is k6's own request timeout, 1211 a dial timeout; a bare
 * EOF (code 1000) is the server closing the connection unanswered, which epj-load also counts as a reset.
 */
export function causeOf(status: number, errorCode: number | undefined, error: string | undefined): FailureCause | null {
  if (status >= 200 && status < 400) return null;
  if (status >= 500) return 'http-5xx';
  if (status >= 400) return 'http-4xx';
  switch (errorCode) {
    case 1050:
    case 1211:
      return 'timeout';
    case 1212:
      return 'refused';
    case 1201: // broken pipe: the peer closed while we wrote
    case 1220:
      return 'reset';
  }
  const text = (error ?? '').toLowerCase();
  if (text.includes('connection refused')) return 'refused';
  if (text.includes('connection reset') || text.includes('broken pipe') || /\beof\b/.test(text)) return 'reset';
  if (text.includes('timeout')) return 'timeout';
  return 'other';
}

/** k6's codes for a request it refused to send: the address is outside what the harness allows. */
export const BLOCKED_ADDRESS_CODES: readonly number[] = [1110, 1111];

/** What a write attempt may have done, from how it ended (the WriteEvent rules). */
export function writeOutcomeOf(ok: boolean, status: number, cause: FailureCause | null, errorCode: number | undefined): WriteEvent['outcome'] {
  if (ok) return status < 300 ? 'acknowledged' : 'unknown';
  if (cause === 'refused' || cause === 'not-sent' || cause === 'http-4xx') return 'failed';
  if (errorCode !== undefined && BLOCKED_ADDRESS_CODES.includes(errorCode)) return 'failed';
  return 'unknown';
}

/** What was read but not folded into attempts, for the notes. */
export interface K6FoldStats {
  lines: number;
  points: number;
  /** request points whose function tag is not a clinical function: tag value → points */
  unknownFunctions: Record<string, number>;
  /** request points without a function tag (setup(), teardown(), unrelated calls) */
  untagged: number;
  /** dropped arrivals whose function could not be told (no tag, scenario not named after a function) */
  droppedUnattributed: number;
  /** requests k6 refused because their address is blocked (--blacklist-ip, --block-hostnames) */
  blockedAddress: number;
  /** requests that carried a write id but no resource type (not recorded as writes) */
  writesWithoutType: number;
  /** envelopes other than Metric and Point */
  otherEnvelopes: number;
  /** attempts whose http_req_blocked point never came (start taken as end − duration) */
  withoutBlocked: number;
  /** points of dropped_iterations seen at all: the script ran out of VUs */
  droppedIterations: number;
}

export interface K6FoldOptions {
  /** request tag naming the clinical function (default epj_function) */
  functionTag?: string;
}

interface PendingRequest {
  end: number;
  durationMs?: number;
  blockedMs?: number;
  point: Extract<K6Line, { type: 'Point' }>;
}

/**
 * Folds k6's points into the harness's attempts, one per HTTP request.
 *
 * A request's points all carry the instant it ENDED: k6 stamps every http_req_* sample of a request with
 * Trail.EndTime, the moment its response was read (k6: lib/netext/httpext/tracer.go, Tracer.Done and
 * Trail.SaveSamples). http_req_duration is sending + waiting + receiving only; the time before (waiting for a
 * connection, dialling, TLS) is http_req_blocked, which spans GetConn → GotConn and so contains connecting and
 * TLS. The attempt therefore STARTED at time − blocked − duration, and that is the instant that places it in a
 * phase (buckets.ts). Both points of one request are written one after the other with the same time and tags
 * (output/json/json.go writes a request's samples together), which is how they are paired.
 *
 * dropped_iterations points are arrivals an arrival-rate executor could not start for want of a free VU; their
 * time is the arrival's own instant (lib/executor/constant_arrival_rate.go, ramping_arrival_rate.go). They become
 * failed attempts with cause `not-sent`, as epj-load's saturated arrivals do. They carry only the run's tags and
 * the scenario name, so the function comes from the function tag or a scenario named after the function.
 */
export class K6PointFolder {
  readonly functionTag: string;
  readonly stats: K6FoldStats = {
    lines: 0,
    points: 0,
    unknownFunctions: {},
    untagged: 0,
    droppedUnattributed: 0,
    blockedAddress: 0,
    writesWithoutType: 0,
    otherEnvelopes: 0,
    withoutBlocked: 0,
    droppedIterations: 0,
  };
  private readonly pending = new Map<string, PendingRequest>();

  constructor(opts: K6FoldOptions = {}) {
    this.functionTag = opts.functionTag ?? DEFAULT_FUNCTION_TAG;
  }

  /** Reads one line; returns the attempts it completed (none, one, or a dropped point's count). */
  line(text: string, lineNo: number): LoadAttempt[] {
    this.stats.lines += 1;
    if (text.trim() === '') return [];
    const parsed = parseK6Line(text, lineNo);
    if (parsed.type === 'other') {
      this.stats.otherEnvelopes += 1;
      return [];
    }
    if (parsed.type === 'Metric') return [];
    this.stats.points += 1;
    if (parsed.metric === 'dropped_iterations') return this.dropped(parsed);
    if (parsed.metric !== 'http_req_duration' && parsed.metric !== 'http_req_blocked') return [];
    const key = `${parsed.time}\u0000${JSON.stringify(parsed.tags)}`;
    let p = this.pending.get(key);
    if (!p) {
      p = { end: parsed.t, point: parsed };
      this.pending.set(key, p);
    }
    if (parsed.metric === 'http_req_duration') p.durationMs = parsed.value;
    else p.blockedMs = parsed.value;
    if (p.durationMs === undefined || p.blockedMs === undefined) return [];
    this.pending.delete(key);
    return this.request(p);
  }

  /** End of the output: a request whose second point never came is still an attempt. */
  finish(): LoadAttempt[] {
    const out: LoadAttempt[] = [];
    for (const p of this.pending.values()) {
      if (p.durationMs === undefined) continue; // a lone http_req_blocked says nothing about the outcome's timing
      this.stats.withoutBlocked += 1;
      out.push(...this.request(p));
    }
    this.pending.clear();
    return out;
  }

  private functionOf(tags: Readonly<Record<string, string>>, metadata: Readonly<Record<string, string>>): ClinicalFunction | 'untagged' | { unknown: string } {
    const named = tags[this.functionTag] ?? metadata[this.functionTag];
    if (named !== undefined) return isFunction(named) ? named : { unknown: named };
    // a scenario named after its function (journal-lookup or journal_lookup) says the same
    const scenario = tags.scenario?.replace(/_/g, '-');
    return scenario !== undefined && isFunction(scenario) ? scenario : 'untagged';
  }

  private request(p: PendingRequest): LoadAttempt[] {
    const { tags, metadata } = p.point;
    const errorCode = tags.error_code === undefined ? undefined : Number(tags.error_code);
    if (errorCode !== undefined && BLOCKED_ADDRESS_CODES.includes(errorCode)) this.stats.blockedAddress += 1;
    const fn = this.functionOf(tags, metadata);
    if (fn === 'untagged') {
      this.stats.untagged += 1;
      return [];
    }
    if (typeof fn === 'object') {
      this.stats.unknownFunctions[fn.unknown] = (this.stats.unknownFunctions[fn.unknown] ?? 0) + 1;
      return [];
    }
    const status = Number(tags.status ?? 0) || 0;
    const cause = causeOf(status, errorCode, tags.error);
    const latencyMs = (p.blockedMs ?? 0) + (p.durationMs ?? 0);
    const attempt: LoadAttempt = {
      t: p.end,
      start: p.end - latencyMs,
      sendLagMs: 0,
      fn,
      ok: cause === null,
      status,
      latencyMs,
      cause,
      ...(tags.error ? { detail: tags.error.slice(0, 200) } : {}),
    };
    const writeId = tags[WRITE_ID_KEY] ?? metadata[WRITE_ID_KEY];
    if (writeId) {
      const resourceType = tags[RESOURCE_TYPE_KEY] ?? metadata[RESOURCE_TYPE_KEY];
      if (!resourceType) this.stats.writesWithoutType += 1;
      else attempt.write = { writeId, resourceType, outcome: writeOutcomeOf(attempt.ok, status, cause, errorCode) };
    }
    return [attempt];
  }

  private dropped(p: Extract<K6Line, { type: 'Point' }>): LoadAttempt[] {
    const count = Math.max(0, Math.round(p.value));
    this.stats.droppedIterations += count;
    const fn = this.functionOf(p.tags, p.metadata);
    if (typeof fn !== 'string' || fn === 'untagged') {
      this.stats.droppedUnattributed += count;
      return [];
    }
    return Array.from({ length: count }, () => ({
      t: p.t,
      start: p.t,
      sendLagMs: 0,
      fn,
      ok: false,
      status: 0,
      latencyMs: 0,
      cause: 'not-sent' as const,
      detail: 'k6 had no free VU for this arrival (dropped_iterations)',
    }));
  }
}

function isFunction(s: string): s is ClinicalFunction {
  return (CLINICAL_FUNCTIONS as readonly string[]).includes(s);
}

function stringMap(v: unknown): Record<string, string> | undefined {
  if (v === undefined || v === null) return {};
  if (!isObject(v)) return undefined;
  for (const x of Object.values(v)) if (typeof x !== 'string') return undefined;
  return v as Record<string, string>;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
