import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { getPriority, setPriority } from 'node:os';
import { createInterface } from 'node:readline';
import { AbortedError, HarnessError, InvalidInputError } from '../errors.js';
import type { History } from '../history/history.js';
import { CLINICAL_FUNCTIONS, type ClinicalFunction } from '../stack/definition.js';
import { AttemptLedger } from './attempt-ledger.js';
import { BucketAggregator } from './buckets.js';
import { EPJ_LOAD_BIN } from './build-epj-load.js';
import { parseLoadLine, type LoadAttempt, type LoadSummary } from './lines.js';
import { FhirEndpoint } from '../fhir/endpoint.js';
import { epjLoadAuth } from './load-auth.js';
import { stackEquipment } from '../selfwatch/equipment.js';
import { startSelfWatch } from '../selfwatch/selfwatch.js';
import type { StartedStack } from '../stack/started-stack.js';
import { doorsOf } from './via.js';
import type { LoadWatermark } from './watermark.js';
import { defaultProfile, type LoadProfile } from './profile.js';
import type { SeededPatient } from './seed.js';

export interface RunLoadOptions {
  /** a started stack (its function endpoints, with their links' credentials, are the targets) … */
  stack?: StartedStack;
  /** … or the targets directly: clinical function → FHIR endpoint, or a base URL without auth (127.0.0.1 only) */
  endpoints?: Partial<Record<ClinicalFunction, string | FhirEndpoint>>;
  history: History;
  /** from seedPatients(); the lookups pick among them, discharges among their encounters */
  patients: readonly SeededPatient[];
  /** attempts per second per function (default: defaultProfile) */
  profile?: LoadProfile;
  /** 0 = until `signal` aborts */
  durationMs: number;
  /** aborting stops the attack (SIGTERM to epj-load), waits for in-flight attempts and flushes; resolves normally */
  signal?: AbortSignal;
  /** per attempt (default 2000) */
  timeoutMs?: number;
  /**
   * cap on attempts in flight over all functions (default 1000; epj-load's own default is what holds every rate
   * through a full stall: rate × timeout × 1.5 per function). Thousands of concurrent connections through Docker's
   * userland proxy (published ports, on a daemon that has it on) killed that proxy in a ×10 run on a 2-core host,
   * hence the cap; setup's daemon publishes by iptables instead, but a user's may not.
   */
  maxWorkers?: number;
  /** seed for the choice of patients and contents (default: random) */
  seed?: number;
  /** the epj-load binary (default .tools/bin/epj-load) */
  binary?: string;
  /** bucket width in ms (default 1000) */
  bucketWidthMs?: number;
  /** a bucket is recorded once it ended this long ago (default: the attempt timeout + 1000, so every attempt started in it has ended) */
  graceMs?: number;
  /** record the harness's own health while the load runs (default true; harness/selfwatch/selfwatch.ts) */
  selfWatch?: boolean;
  /** told of every attempt as it completes (the settle watch of harness/timeline/settle.ts) */
  onAttempt?: (a: LoadAttempt) => void;
  /** where this load says how far it has reported, for waits that need every attempt before an instant */
  watermark?: LoadWatermark;
}

export interface LoadRunResult {
  summary: LoadSummary;
  /** the run was stopped through `signal` */
  aborted: boolean;
  /** attempt lines read */
  attempts: number;
  /** write events recorded */
  writes: number;
  /** `requests` events recorded */
  buckets: number;
  /** attempts that arrived for a bucket already recorded (it was recorded again; sum events per (fn, bucket)) */
  lateAttempts: number;
  /** arrivals epj-load was itself too late to send (its own lag; recorded per bucket as `skipped`) */
  skipped: number;
}

const STDERR_TAIL = 4000;
/** nice value of epj-load where the harness may raise its priority (root) */
const LOAD_GENERATOR_NICENESS = -10;
/** and of the harness's own event loop, which stamps fault instants and samples the probes */
const HARNESS_NICENESS = -5;

/**
 * The harness's event loop (this process's main thread) stamps when faults took effect and when probes sampled; on a
 * saturated host it must not be what waits for a CPU either (harness/checkers/evidence.ts judges its stalls). As
 * root, it is raised once, below epj-load; otherwise it stays as it is.
 */
function raiseHarnessPriority(): void {
  if (process.getuid?.() !== 0 || getPriority() <= HARNESS_NICENESS) return;
  try {
    setPriority(HARNESS_NICENESS);
  } catch {
    /* no CAP_SYS_NICE in this container: stalls are still measured and judged */
  }
}
export const DEFAULT_MAX_WORKERS = 1000;
/** how long one attempt may take before it counts as timed out */
export const DEFAULT_ATTEMPT_TIMEOUT_MS = 2000;
/** beyond duration + timeout, epj-load is given this long to finish before it counts as hung */
const FINISH_SLACK_MS = 15_000;

/**
 * Runs the clinical workload: spawns epj-load with the config on stdin, folds its per-attempt lines into 1-s
 * `requests` buckets and one `write` event per write, and leaves no epj-load process behind on any path.
 */
export async function runLoad(opts: RunLoadOptions): Promise<LoadRunResult> {
  const binary = opts.binary ?? EPJ_LOAD_BIN;
  const profile = opts.profile ?? defaultProfile;
  const timeoutMs = opts.timeoutMs ?? DEFAULT_ATTEMPT_TIMEOUT_MS;
  if (!Number.isFinite(opts.durationMs) || opts.durationMs < 0) throw new InvalidInputError(`durationMs must be ≥ 0, got ${opts.durationMs}`);
  if (opts.durationMs === 0 && !opts.signal) throw new InvalidInputError('durationMs 0 (until stopped) needs a signal to stop it');
  if (opts.patients.length === 0) throw new InvalidInputError('no patients to load: seed some first (seedPatients)');
  const endpoints = opts.endpoints ?? opts.stack?.functionEndpoints();
  if (!endpoints) throw new InvalidInputError('runLoad needs a stack or endpoints');
  const targets: Partial<Record<ClinicalFunction, string>> = {};
  const targetEndpoints: Partial<Record<ClinicalFunction, FhirEndpoint>> = {};
  const rates: Partial<Record<ClinicalFunction, number>> = {};
  for (const fn of CLINICAL_FUNCTIONS) {
    const rate = profile[fn] ?? 0;
    if (!(rate > 0)) continue;
    const target = endpoints[fn];
    if (!target) {
      throw new InvalidInputError(`the profile drives '${fn}' at ${rate}/s but no endpoint serves it`, 'set its rate to 0 (onlyFunctions) or serve it');
    }
    const endpoint = FhirEndpoint.of(target, `endpoint of '${fn}'`);
    targets[fn] = endpoint.url;
    targetEndpoints[fn] = endpoint;
    rates[fn] = rate;
  }
  if (Object.keys(rates).length === 0) throw new InvalidInputError('the load profile has no function with a rate > 0');
  // the front door each write goes through, so its answering site can be told afterwards (split brain)
  const via = doorsOf(targets, opts.stack?.endpoints.links ?? {});
  if (!existsSync(binary)) {
    throw new HarnessError(`the load generator is not built: ${binary} is missing`, 'missing-tool', 'run `npm run setup` (or `epj-chaos images build`)');
  }
  if (opts.signal?.aborted) throw new AbortedError('the workload');

  // credentials: names and paths in the config, tokens only in epj-load's environment (harness/workload/load-auth.ts)
  const { auth, env } = epjLoadAuth(targetEndpoints);
  const config = {
    targets,
    ...(Object.keys(auth).length > 0 ? { auth } : {}),
    rates,
    durationMs: Math.round(opts.durationMs),
    timeoutMs,
    maxWorkers: opts.maxWorkers ?? DEFAULT_MAX_WORKERS,
    patients: opts.patients.map((p) => (p.encounterId ? { patientId: p.patientId, cpr: p.cpr, encounterId: p.encounterId } : { patientId: p.patientId, cpr: p.cpr })),
    seed: opts.seed ?? Math.floor(Math.random() * 2 ** 32),
  };

  const { history } = opts;
  const aggregator = new BucketAggregator({
    widthMs: opts.bucketWidthMs,
    graceMs: opts.graceMs ?? timeoutMs + 1000,
    emit: (b) => history.record({ kind: 'requests', t: b.bucket, ...b }),
  });
  // Buckets are cut where a phase starts, so an attempt counts in the phase in which it started (buckets.ts).
  for (const p of history.ofKind('phase')) aggregator.addEdge(p.t, p.onset === true);
  const unsubscribe = history.subscribe((e) => {
    if (e.kind === 'phase') aggregator.addEdge(e.t, e.onset === true);
  });
  const driven = Object.keys(rates) as ClinicalFunction[];
  const detachWatermark = opts.watermark?.attach({
    reportedBefore: () => Math.min(...driven.map((fn) => aggregator.reportedBefore(fn))),
    closeBefore: (t) => aggregator.closeBefore(t, driven),
  });
  const ledger = new AttemptLedger(history, via);
  history.record({ kind: 'load', stage: 'started', rates, timeoutMs });
  // while clinicians are being simulated, the harness also watches itself: its verdicts are only as good as it
  const watch = opts.selfWatch === false ? undefined : startSelfWatch(history, { equipment: opts.stack ? stackEquipment(opts.stack) : [] });

  // A minimal environment: nothing of ours (tokens, proxies) reaches epj-load, and so nothing can reach the history —
  // but for the bearer tokens of its targets, each in its own EPJ_LOAD_TOKEN_<n>.
  const args = ['-config', '-', '-stop-on-stdin-eof'];
  // epj-load is the measuring instrument: on a saturated host it must not be the process that waits for a CPU, or
  // its own lateness would read as the EPJ's (it skips arrivals it is late for; harness/checkers/evidence.ts). As
  // root it starts under nice(1), so every thread of it inherits the priority; otherwise at normal priority, with
  // its lag still recorded.
  const [command, argv] = process.getuid?.() === 0 ? ['nice', ['-n', String(LOAD_GENERATOR_NICENESS), binary, ...args]] : [binary, args];
  raiseHarnessPriority();
  const child = spawn(command, argv, { env, stdio: ['pipe', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (chunk: string) => (stderr = (stderr + chunk).slice(-STDERR_TAIL)));
  child.stdin.on('error', () => {
    /* EPIPE when epj-load exits first; its exit code tells why */
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null; spawnError?: Error }>((resolve) => {
    child.once('error', (err) => resolve({ code: null, signal: null, spawnError: err }));
    child.once('close', (code, signal) => resolve({ code, signal }));
  });
  // stdin stays open: its EOF tells epj-load that we are gone (even after SIGKILL of this process)
  child.stdin.write(`${JSON.stringify(config)}\n`);

  let failure: Error | undefined;
  let aborted = false;
  let summary: LoadSummary | undefined;
  let attempts = 0;
  let skipped = 0;
  let lineNo = 0;
  const fail = (err: Error) => {
    if (failure) return;
    failure = err;
    child.kill('SIGKILL');
  };

  const onAbort = () => {
    aborted = true;
    child.kill('SIGTERM');
  };
  opts.signal?.addEventListener('abort', onAbort, { once: true });
  const flushTimer = setInterval(() => aggregator.flushDue(Date.now()), 250);
  const hangTimer =
    opts.durationMs > 0
      ? setTimeout(() => fail(new HarnessError(`epj-load did not finish within ${opts.durationMs + timeoutMs + FINISH_SLACK_MS} ms; killed`, 'workload-hung')), opts.durationMs + timeoutMs + FINISH_SLACK_MS)
      : undefined;

  const rl = createInterface({ input: child.stdout, crlfDelay: Infinity });
  rl.on('line', (text) => {
    lineNo += 1;
    if (failure) return;
    if (summary) return fail(parseError(lineNo, text, 'a line after the summary'));
    let parsed;
    try {
      parsed = parseLoadLine(text, lineNo);
    } catch (err) {
      return fail(err as Error);
    }
    if (parsed.type === 'summary') {
      summary = parsed.summary;
      return;
    }
    if (parsed.type === 'watermark') {
      for (const [fn, upTo] of Object.entries(parsed.upTo)) aggregator.reported(fn as ClinicalFunction, upTo);
      return;
    }
    if (parsed.type === 'skip') {
      skipped += 1;
      ledger.noteSlot(parsed.skip.fn, parsed.skip.start);
      aggregator.skip(parsed.skip.fn, parsed.skip.start);
      return;
    }
    const a = parsed.attempt;
    attempts += 1;
    ledger.take(a);
    aggregator.add(a);
    opts.onAttempt?.(a);
  });
  const stdoutDone = new Promise<void>((resolve) => rl.once('close', resolve));

  let exit: Awaited<typeof exited>;
  try {
    exit = await exited;
    await stdoutDone;
  } finally {
    clearInterval(flushTimer);
    if (hangTimer) clearTimeout(hangTimer);
    opts.signal?.removeEventListener('abort', onAbort);
    child.stdin.end();
    aggregator.flushAll();
    detachWatermark?.();
    unsubscribe();
    await watch?.stop();
    history.record({ kind: 'load', stage: 'stopped', rates, timeoutMs, slots: ledger.slots });
  }

  const tail = stderr.trim() ? `\n--- epj-load stderr (tail) ---\n${stderr.trim()}` : '';
  if (exit.spawnError) throw new HarnessError(`epj-load could not start (${binary}): ${exit.spawnError.message}`, 'missing-tool', 'run `npm run setup`');
  if (failure) {
    if (failure instanceof HarnessError) throw new HarnessError(`${failure.message}${tail}`, failure.code, failure.hint);
    throw failure;
  }
  if (exit.code === 2) throw new InvalidInputError(`epj-load refused its config${tail}`);
  if (exit.code !== 0) {
    throw new HarnessError(`epj-load exited with ${exit.code ?? `signal ${exit.signal}`} after ${attempts} attempts${tail}`, 'workload-failed');
  }
  if (!summary) throw new HarnessError(`epj-load exited without its summary line after ${attempts} attempts${tail}`, 'workload-failed');
  if (summary.interrupted && !aborted) {
    throw new HarnessError(`epj-load was stopped early by someone else after ${summary.durationMs} ms of ${opts.durationMs}${tail}`, 'workload-failed');
  }
  return { summary, aborted, attempts, writes: ledger.writes, buckets: aggregator.emitted, lateAttempts: aggregator.late, skipped };
}

function parseError(lineNo: number, text: string, problem: string): Error {
  return new HarnessError(`epj-load printed a malformed line ${lineNo} (${problem}): ${JSON.stringify(text.slice(0, 200))}`, 'workload-malformed-line');
}
