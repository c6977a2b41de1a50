import { spawn } from 'node:child_process';
import { constants, existsSync, statSync } from 'node:fs';
import { access, open, rm, writeFile, type FileHandle } from 'node:fs/promises';
import path from 'node:path';
import { StringDecoder } from 'node:string_decoder';
import { AbortedError, HarnessError, InvalidInputError } from '../../errors.js';
import type { FailureCause } from '../../history/events.js';
import type { History } from '../../history/history.js';
import { CLINICAL_FUNCTIONS, type ClinicalFunction } from '../../stack/definition.js';
import type { LoadWatermark } from '../watermark.js';
import { BucketAggregator } from '../buckets.js';
import { DEFAULT_ATTEMPT_TIMEOUT_MS, type LoadRunResult } from '../driver.js';
import type { LoadAttempt, LoadFunctionSummary, LoadSummary } from '../lines.js';
import { FhirEndpoint } from '../../fhir/endpoint.js';
import type { SeededPatient } from '../seed.js';
import { AttemptLedger } from '../attempt-ledger.js';
import { makeRunTempDir } from '../../util/run-temp-dir.js';
import { doorsOf } from '../via.js';
import { stackEquipment } from '../../selfwatch/equipment.js';
import { startSelfWatch } from '../../selfwatch/selfwatch.js';
import type { StartedStack } from '../../stack/started-stack.js';
import { BLOCK_ALL_HOSTNAMES, blacklistCidrs } from './blacklist.js';
import { asLiteralLoopback, k6Environment } from './env.js';
import { errorForK6Exit } from './exit-codes.js';
import { DEFAULT_FUNCTION_TAG, K6PointFolder, RESOURCE_TYPE_KEY, WRITE_ID_KEY, type K6FoldStats } from './lines.js';

export interface K6LoadOptions {
  history: History;
  /** path to the user's k6 script */
  script: string;
  /**
   * clinical function → FHIR endpoint (127.0.0.1 only); its URL is handed to the script as EPJ_URL_<FUNCTION>, its
   * link's bearer token, if it has one, as EPJ_TOKEN_<FUNCTION> (docs/k6.md)
   */
  endpoints: Partial<Record<ClinicalFunction, string | FhirEndpoint>>;
  /** written to a JSON file handed to the script as EPJ_PATIENTS_FILE */
  patients: readonly SeededPatient[];
  /** 0 = until `signal` aborts (or the script ends); at the end k6 is stopped with SIGTERM */
  durationMs: number;
  /** aborting stops k6 (SIGTERM, then SIGKILL), reads what it wrote and flushes; resolves normally */
  signal?: AbortSignal;
  /** request tag naming the clinical function (default epj_function) */
  functionTag?: string;
  /**
   * arrivals per second per function that the script's arrival-rate executors promise: recorded in the `load`
   * event so the evidence checks can compare counts, and handed to the script as EPJ_RATE_<FUNCTION>
   */
  rates?: Partial<Record<ClinicalFunction, number>>;
  /** the user's own k6 (default `k6` on PATH) */
  k6Binary?: string;
  /** the per-request timeout the script should use (handed over as EPJ_TIMEOUT_MS; default 2000) */
  timeoutMs?: number;
  /** bucket width in ms (default 1000) */
  bucketWidthMs?: number;
  /** a bucket is recorded once it ended this long ago (default: timeout + 1000 + k6's 200-ms output flush period) */
  graceMs?: number;
  /** told of every attempt as it is read (the settle watch of harness/timeline/settle.ts) */
  onAttempt?: (a: LoadAttempt) => void;
  /** k6 says nothing of the attempts it has in flight: waits on this watermark run to their caps */
  watermark?: LoadWatermark;
  /** the stack under load: the harness watches itself against its equipment, and writes name the door they went through */
  stack?: StartedStack;
}

/** how often k6's output file is read; k6 itself writes it every 200 ms (internal/output/json/json.go) */
const READ_INTERVAL_MS = 250;
/** k6 is given this long after SIGTERM (its iterations are interrupted) before it is killed */
const STOP_GRACE_MS = 10_000;
/** beyond the duration and the stop grace, k6 is killed as hung */
const FINISH_SLACK_MS = 15_000;
const STDERR_TAIL = 4000;
const READ_CHUNK = 1 << 20;

/**
 * Runs the user's own k6 script as the clinical workload: k6 gets the endpoints and the patients through its
 * environment and nothing else of ours, cannot reach any address but loopback, and its `--out json` points are
 * folded live into the same `requests` buckets, `load` events and `write` events as runLoad's (driver.ts).
 * No k6 process is left behind on any path, and the temp files are removed.
 */
export async function runK6Load(opts: K6LoadOptions): Promise<LoadRunResult> {
  // before any await: a wait on the watermark must never see no load at all
  opts.watermark?.attachBlind();
  const timeoutMs = opts.timeoutMs ?? DEFAULT_ATTEMPT_TIMEOUT_MS;
  const functionTag = opts.functionTag ?? DEFAULT_FUNCTION_TAG;
  if (!Number.isFinite(opts.durationMs) || opts.durationMs < 0) throw new InvalidInputError(`durationMs must be ≥ 0, got ${opts.durationMs}`);
  if (opts.durationMs === 0 && !opts.signal) throw new InvalidInputError('durationMs 0 (until stopped) needs a signal to stop it');
  if (!(timeoutMs > 0)) throw new InvalidInputError(`timeoutMs must be > 0, got ${timeoutMs}`);
  if (opts.patients.length === 0) throw new InvalidInputError('no patients to load: seed some first (seedPatients)');
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(functionTag)) throw new InvalidInputError(`functionTag '${functionTag}' is not a k6 tag name`);
  const endpoints: Partial<Record<ClinicalFunction, string>> = {};
  const tokens: Partial<Record<ClinicalFunction, string>> = {};
  const tlsLinks = new Set<string>();
  for (const fn of CLINICAL_FUNCTIONS) {
    const target = opts.endpoints[fn];
    if (!target) continue;
    const endpoint = FhirEndpoint.of(target, `endpoint of '${fn}'`);
    endpoints[fn] = asLiteralLoopback(endpoint.url);
    const token = endpoint.credentials?.bearerToken();
    if (token !== undefined) tokens[fn] = token;
    if (endpoint.credentials?.tlsFiles) tlsLinks.add(endpoint.credentials.link);
  }
  if (Object.keys(endpoints).length === 0) throw new InvalidInputError('runK6Load needs at least one endpoint');
  const rates: Partial<Record<ClinicalFunction, number>> = {};
  for (const [fn, rate] of Object.entries(opts.rates ?? {}) as [string, number][]) {
    if (!(CLINICAL_FUNCTIONS as readonly string[]).includes(fn)) throw new InvalidInputError(`rates: '${fn}' is not a clinical function (known: ${CLINICAL_FUNCTIONS.join(', ')})`);
    if (!Number.isFinite(rate) || rate < 0) throw new InvalidInputError(`rates.${fn} must be a number ≥ 0, got ${rate}`);
    if (rate > 0) rates[fn as ClinicalFunction] = rate;
  }
  const script = path.resolve(opts.script);
  if (!existsSync(script) || !statSync(script).isFile()) throw new InvalidInputError(`the k6 script ${script} does not exist`);
  const binary = await resolveK6(opts.k6Binary ?? 'k6');
  if (opts.signal?.aborted) throw new AbortedError('the workload');

  const { history } = opts;
  const dir = await makeRunTempDir('k6');
  try {
    const patientsFile = path.join(dir, 'patients.json');
    const outFile = path.join(dir, 'points.json');
    await writeFile(patientsFile, JSON.stringify(opts.patients.map((p) => (p.encounterId ? { patientId: p.patientId, cpr: p.cpr, encounterId: p.encounterId } : { patientId: p.patientId, cpr: p.cpr }))));
    await writeFile(outFile, '');
    const home = path.join(dir, 'home');
    const env = k6Environment({ endpoints, tokens, patientsFile, timeoutMs, functionTag, rates, home });
    return await runK6(opts, { binary, script, env, outFile, rates, timeoutMs, functionTag, history, endpoints, tlsLinks: [...tlsLinks] });
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

interface Prepared {
  binary: string;
  script: string;
  env: Record<string, string>;
  outFile: string;
  rates: Partial<Record<ClinicalFunction, number>>;
  timeoutMs: number;
  functionTag: string;
  history: History;
  /** the endpoints as handed to k6 (literal loopback) */
  endpoints: Partial<Record<ClinicalFunction, string>>;
  /** links that speak TLS: their CA, client certificate and server name are not handed to k6 */
  tlsLinks: string[];
}

/** The argv of `k6 run`: JSON points to a file, no network but loopback, no thresholds, no usage report. */
export function k6Arguments(outFile: string, script: string): string[] {
  return [
    'run',
    '--out',
    `json=${outFile}`,
    '--blacklist-ip',
    blacklistCidrs().join(','),
    '--block-hostnames',
    BLOCK_ALL_HOSTNAMES,
    '--no-usage-report',
    // the harness judges availability itself; a threshold with abortOnFail would cut the load short mid-fault
    '--no-thresholds',
    // the tags the folding reads must be there whatever the script's options say
    '--system-tags',
    'status,error,error_code,scenario,method,name,url,group,check,expected_response,proto',
    '--quiet',
    '--no-color',
    script,
  ];
}

async function runK6(opts: K6LoadOptions, p: Prepared): Promise<LoadRunResult> {
  const { history, rates, timeoutMs } = p;
  const aggregator = new BucketAggregator({
    widthMs: opts.bucketWidthMs,
    graceMs: opts.graceMs ?? timeoutMs + 1000 + READ_INTERVAL_MS,
    emit: (b) => history.record({ kind: 'requests', t: b.bucket, ...b }),
  });
  // Buckets are cut where a phase starts, so an attempt counts in the phase in which it started (buckets.ts).
  for (const e of history.ofKind('phase')) aggregator.addEdge(e.t, e.onset === true);
  const unsubscribe = history.subscribe((e) => {
    if (e.kind === 'phase') aggregator.addEdge(e.t, e.onset === true);
  });
  const folder = new K6PointFolder({ functionTag: p.functionTag });
  const perFunction: Partial<Record<ClinicalFunction, { attempts: number; ok: number; failures: Partial<Record<FailureCause, number>> }>> = {};
  const ledger = new AttemptLedger(history, opts.stack ? doorsOf(p.endpoints, opts.stack.endpoints.links) : {});
  let attempts = 0;

  const take = (a: LoadAttempt) => {
    attempts += 1;
    const f = (perFunction[a.fn] ??= { attempts: 0, ok: 0, failures: {} });
    f.attempts += 1;
    if (a.ok) f.ok += 1;
    else if (a.cause) f.failures[a.cause] = (f.failures[a.cause] ?? 0) + 1;
    ledger.take(a);
    aggregator.add(a);
    opts.onAttempt?.(a);
  };

  history.record({ kind: 'load', stage: 'started', rates, timeoutMs });
  // while clinicians are being simulated, the harness also watches itself (as runLoad does, driver.ts)
  const watch = opts.stack ? startSelfWatch(history, { equipment: stackEquipment(opts.stack) }) : undefined;
  history.record({
    kind: 'note',
    message:
      'load from a k6 script: k6 virtual-user executors (constant-vus, ramping-vus, per-vu-iterations, shared-iterations) are a closed model: ' +
      'a VU waits for each answer before its next request, so a stalled EPJ receives fewer requests and its outage looks smaller ' +
      '(coordinated omission). Use constant-arrival-rate or ramping-arrival-rate executors (docs/k6.md).',
    data: { script: p.script },
  });
  if (p.tlsLinks.length > 0) {
    history.record({
      kind: 'note',
      message:
        `k6 load over TLS (${p.tlsLinks.join(', ')}): k6 gets the https URLs and the bearer tokens, not the links' CA, client certificate or server name; ` +
        'a script that needs them sets them itself (docs/k6.md)',
    });
  }
  if (Object.keys(rates).length === 0) {
    history.record({
      kind: 'note',
      message: 'k6 load without promised rates: the evidence checks cannot compare the counts of attempts with what the script was meant to send',
    });
  }

  const startedAt = Date.now();
  const child = spawn(p.binary, k6Arguments(p.outFile, p.script), { env: p.env, cwd: path.dirname(p.script), stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const keepTail = (chunk: string) => (output = (output + chunk).slice(-STDERR_TAIL));
  child.stdout.setEncoding('utf8');
  child.stderr.setEncoding('utf8');
  child.stdout.on('data', keepTail);
  child.stderr.on('data', keepTail);
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null; spawnError?: Error }>((resolve) => {
    child.once('error', (err) => resolve({ code: null, signal: null, spawnError: err }));
    child.once('close', (code, signal) => resolve({ code, signal }));
  });
  const running = () => child.exitCode === null && child.signalCode === null;

  let failure: Error | undefined;
  let aborted = false;
  let stoppedByUs = false;
  let killTimer: NodeJS.Timeout | undefined;
  const fail = (err: Error) => {
    if (failure) return;
    failure = err;
    if (running()) child.kill('SIGKILL');
  };
  /** SIGTERM lets k6 stop its iterations and close its output; one that does not is killed */
  const stop = () => {
    if (stoppedByUs || !running()) return;
    stoppedByUs = true;
    child.kill('SIGTERM');
    killTimer = setTimeout(() => fail(new HarnessError(`k6 did not stop within ${STOP_GRACE_MS} ms of SIGTERM; killed`, 'workload-hung')), STOP_GRACE_MS);
  };
  const onAbort = () => {
    aborted = true;
    stop();
  };
  opts.signal?.addEventListener('abort', onAbort, { once: true });
  const durationTimer = opts.durationMs > 0 ? setTimeout(stop, opts.durationMs) : undefined;
  const hangTimer =
    opts.durationMs > 0
      ? setTimeout(
          () => fail(new HarnessError(`k6 did not finish within ${opts.durationMs + STOP_GRACE_MS + FINISH_SLACK_MS} ms; killed`, 'workload-hung')),
          opts.durationMs + STOP_GRACE_MS + FINISH_SLACK_MS,
        )
      : undefined;

  const reader = new OutputReader(p.outFile, (text, lineNo) => {
    if (failure) return;
    try {
      for (const a of folder.line(text, lineNo)) take(a);
    } catch (err) {
      fail(err as Error);
    }
  });
  let reading: Promise<void> | undefined;
  const readTimer = setInterval(() => {
    // one read at a time; a slow one is simply followed by the next tick's
    reading ??= reader
      .drain()
      .catch((err: Error) => fail(err))
      .finally(() => (reading = undefined));
    aggregator.flushDue(Date.now());
  }, READ_INTERVAL_MS);

  let exit: Awaited<typeof exited>;
  try {
    exit = await exited;
  } finally {
    clearInterval(readTimer);
    for (const t of [durationTimer, hangTimer, killTimer]) if (t) clearTimeout(t);
    opts.signal?.removeEventListener('abort', onAbort);
    // whatever threw, k6 does not outlive this call
    if (running()) {
      child.kill('SIGKILL');
      await exited;
    }
  }
  const endedAt = Date.now();
  try {
    await reading;
    await reader.drain();
    // a line cut off by a kill is not k6's format drifting
    reader.finish(exit.signal !== null || failure !== undefined);
    if (!failure) for (const a of folder.finish()) take(a);
  } catch (err) {
    fail(err as Error);
  } finally {
    await reader.close();
    aggregator.flushAll();
    unsubscribe();
    await watch?.stop();
    history.record({ kind: 'load', stage: 'stopped', rates, timeoutMs, slots: ledger.slots });
    noteWhatWasLeftOut(history, folder.stats, p.functionTag, ledger.writes);
  }

  const tail = output.trim() ? `\n--- k6 output (tail) ---\n${output.trim()}` : '';
  if (exit.spawnError) throw missingK6(`k6 could not start (${p.binary}): ${exit.spawnError.message}`);
  if (failure) {
    if (failure instanceof HarnessError) throw new HarnessError(`${failure.message}${tail}`, failure.code, failure.hint);
    throw failure;
  }
  const exitError = errorForK6Exit(exit.code, exit.signal, stoppedByUs, tail);
  if (exitError) throw exitError;

  const elapsedS = (endedAt - startedAt) / 1000;
  const functions: Partial<Record<ClinicalFunction, LoadFunctionSummary>> = {};
  for (const fn of CLINICAL_FUNCTIONS) {
    const f = perFunction[fn];
    const rate = rates[fn] ?? 0;
    if (!f && !rate) continue;
    functions[fn] = {
      rate,
      workers: 0, // k6's VUs are the script's business
      expected: Math.round(rate * elapsedS),
      attempts: f?.attempts ?? 0,
      skipped: 0,
      ok: f?.ok ?? 0,
      failures: f?.failures ?? {},
    };
  }
  const summary: LoadSummary = { startedAt, endedAt, durationMs: endedAt - startedAt, interrupted: aborted, functions };
  return { summary, aborted, attempts, writes: ledger.writes, buckets: aggregator.emitted, lateAttempts: aggregator.late, skipped: 0 };
}

/** One note per kind of point that was read but not counted, so nothing is dropped silently. */
function noteWhatWasLeftOut(history: History, s: K6FoldStats, functionTag: string, writes: number): void {
  const note = (message: string, data?: Record<string, unknown>) => history.record({ kind: 'note', message, ...(data ? { data } : {}) });
  const unknown = Object.entries(s.unknownFunctions);
  if (unknown.length > 0) {
    note(`k6 requests whose '${functionTag}' tag is not a clinical function were not counted (${unknown.map(([v, n]) => `'${v}': ${n}`).join(', ')})`, {
      unknownFunctions: s.unknownFunctions,
      known: CLINICAL_FUNCTIONS,
    });
  }
  if (s.untagged > 0) note(`${s.untagged} k6 requests carried no '${functionTag}' tag (and no scenario named after a function) and were not counted`, { untagged: s.untagged });
  if (s.droppedIterations > 0) {
    note(`k6 dropped ${s.droppedIterations} arrivals for want of a free VU (dropped_iterations); they are counted as failed attempts (not-sent) where their function is known`, {
      droppedIterations: s.droppedIterations,
      unattributed: s.droppedUnattributed,
    });
  }
  if (s.droppedUnattributed > 0) {
    note(`${s.droppedUnattributed} dropped k6 arrivals could not be given a function (name each scenario after its function) and were not counted`, {
      droppedUnattributed: s.droppedUnattributed,
    });
  }
  if (s.blockedAddress > 0) {
    note(`the k6 script tried ${s.blockedAddress} times to reach an address other than loopback; k6 refused (the harness allows only 127.0.0.1 and ::1)`, {
      blockedAddress: s.blockedAddress,
    });
  }
  if (s.writesWithoutType > 0) note(`${s.writesWithoutType} k6 requests carried '${WRITE_ID_KEY}' without '${RESOURCE_TYPE_KEY}' and were not recorded as writes`);
  if (s.otherEnvelopes > 0) note(`${s.otherEnvelopes} lines of k6's JSON output were neither Metric nor Point and were skipped (a newer k6?)`);
  if (s.withoutBlocked > 0) note(`${s.withoutBlocked} k6 requests lacked their http_req_blocked point: their start was taken as end − http_req_duration`);
  if (writes === 0) {
    note(`lost writes cannot be judged for this load: no k6 request carried a '${WRITE_ID_KEY}' tag (docs/k6.md)`);
  } else {
    note('k6 writes carry no resource id (k6 tags are set before the answer): acknowledged writes are matched by write id alone');
  }
}

/** Reads k6's output file as it grows, line by line (k6 truncates it on start and appends; it never rewrites). */
class OutputReader {
  private handle: FileHandle | undefined;
  private offset = 0;
  private rest = '';
  private lineNo = 0;
  private readonly decoder = new StringDecoder('utf8');
  private readonly buffer = Buffer.alloc(READ_CHUNK);

  constructor(
    private readonly file: string,
    private readonly onLine: (text: string, lineNo: number) => void,
  ) {}

  async drain(): Promise<void> {
    this.handle ??= await open(this.file, 'r');
    for (;;) {
      const { bytesRead } = await this.handle.read(this.buffer, 0, this.buffer.length, this.offset);
      if (bytesRead === 0) return;
      this.offset += bytesRead;
      const lines = (this.rest + this.decoder.write(this.buffer.subarray(0, bytesRead))).split('\n');
      this.rest = lines.pop() ?? '';
      for (const text of lines) this.onLine(text, ++this.lineNo);
    }
  }

  /** The last line, if k6 did not end it; dropped when k6 was killed mid-write. */
  finish(killed: boolean): void {
    const text = this.rest + this.decoder.end();
    this.rest = '';
    if (text.trim() !== '' && !killed) this.onLine(text, ++this.lineNo);
  }

  async close(): Promise<void> {
    await this.handle?.close();
    this.handle = undefined;
  }
}

function missingK6(message: string): HarnessError {
  return new HarnessError(
    message,
    'missing-tool',
    'k6 is your own install (the harness never installs it: it is AGPL); put it on PATH or pass its path, or leave out the k6 load to use the default generator, epj-load',
  );
}

/** The executable to run: a path as given, or the first `k6` on the harness's PATH. */
export async function resolveK6(binary: string): Promise<string> {
  const candidates = binary.includes('/') ? [path.resolve(binary)] : (process.env.PATH ?? '').split(path.delimiter).filter(Boolean).map((d) => path.join(d, binary));
  for (const c of candidates) {
    try {
      await access(c, constants.X_OK);
      if (statSync(c).isFile()) return c;
    } catch {
      /* not here */
    }
  }
  throw missingK6(binary.includes('/') ? `k6 not found: ${binary} is missing or not executable` : `k6 not found on PATH ('${binary}')`);
}
