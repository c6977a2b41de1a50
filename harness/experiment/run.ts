import { setMaxListeners } from 'node:events';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { MIN_EXPECTED_ATTEMPTS } from '../checkers/evidence.js';
import { steadyStateVerdict } from '../checkers/steady-state.js';
import type { Verdict } from '../checkers/verdict.js';
import { describeError } from '../errors.js';
import { FaultInjector } from '../faults/injector.js';
import { Clock } from '../history/clock.js';
import { History } from '../history/history.js';
import { exitSignal, onSignalExit } from '../lifecycle/exit-guard.js';
import { startStalenessProbe, type StalenessProbe } from '../probes/staleness.js';
import { claimJournalId, writeJournal } from '../reporters/journal.js';
import { renderRunReports } from '../reporters/render-run.js';
import { readExperimentSource, typeScriptOf } from './source.js';
import { collectContainerLogs, saveContainerLogs } from '../reporters/container-logs.js';
import { startLiveProgress, type LiveProgress } from '../reporters/live-progress.js';
import { collectProvenance } from '../reporters/provenance.js';
import type { Provenance } from '../reporters/journal-schema.js';
import type { RunContext } from '../run-context.js';
import { CLINICAL_FUNCTIONS, parseStackDefinition, type ClinicalFunction, type LinkSpec, type StackDefinition, type StackDefinitionInput } from '../stack/definition.js';
import type { StartedStack } from '../stack/started-stack.js';
import { pollUntil, sleep } from '../stack/wait/poll.js';
import { formatDuration } from '../checkers/format.js';
import { untilScenario } from '../faults/scenario-time.js';
import { HARNESS_PHASE } from '../timeline/phase-start.js';
import { SettleWatch } from '../timeline/settle.js';
import { Timeline } from '../timeline/timeline.js';
import { DEFAULT_ATTEMPT_TIMEOUT_MS, runLoad, type LoadRunResult } from '../workload/driver.js';
import { resolveK6, runK6Load } from '../workload/k6/run-k6.js';
import type { LoadAttempt } from '../workload/lines.js';
import { LoadWatermark } from '../workload/watermark.js';
import { atStackScale, defaultProfile, onlyFunctions, scaleProfile, WRITE_FUNCTIONS, type LoadProfile } from '../workload/profile.js';
import { unroutedWriteDoor } from '../probes/stack-parts.js';
import type { SiteReadBack } from '../checkers/split-brain.js';
import type { PresentWrite } from '../checkers/lost-writes.js';
import { InvalidInputError } from '../errors.js';
import { readBack } from '../workload/readback.js';
import { checkCredentials } from '../fhir/link-credentials.js';
import { missingRunbooks } from '../runbooks/run-runbook.js';
import { seedPatients } from '../workload/seed.js';
import { functionsOf, RECORDED_AFTER_MS, type AbortCondition, type Check, type FunctionChoice } from './checks.js';
import { parseDuration } from './duration.js';
import { share } from './share.js';
import { overridesFromEnv, stackWithOverrides } from './overrides.js';
import { acquireStack, type AcquiredStack } from './stack-source.js';
import { planTimeline, type Step } from './timeline.js';
import { randomInt } from 'node:crypto';

/**
 * One run skeleton for every experiment (chaostoolkit's fixed order), so an author states the scenario and nothing
 * else: plan (every step and check validated before anything starts) → up → seed → load and probes → steady-state
 * gate (a sick stack is not injected: `aborted`) → timeline, with abort conditions watched → heal → steady state
 * after → read back → checks → journal → down. Healing and teardown run on every exit path.
 */
export interface ExperimentSpec {
  stack: StackDefinitionInput;
  /** scenario time runs this many times faster than wall time during scripted waits */
  timeScale: number;
  load?: {
    patients?: number;
    profile?: LoadProfile;
    /**
     * Clients nobody told about a failover: this share of each write function's rate also arrives through a front
     * door straight to the primary's EPJ that no failover repoints (the stack must have one). After a failover both
     * sites are read back, so `divergentWrites()` can confirm a split brain.
     */
    clientsNobodyTold?: number;
    /**
     * Bring your own k6 (docs/k6.md): the user's k6 script drives the clinical load instead of epj-load. `rates`
     * are what its arrival-rate executors promise per function (the gate's window and the evidence checks count
     * against them); the script's path is relative to the experiment's file. Needs `k6` on PATH.
     */
    k6?: { script: string; rates?: Partial<Record<ClinicalFunction, number>>; functionTag?: string };
  };
  /** the hypothesis that must hold before anything is injected (default: every function ≥ 99 % for 1 min) */
  steadyState?: { functions?: FunctionChoice; atLeast?: number; for?: string | number };
  /** conditions that stop the timeline at once (everything is healed) */
  abortWhen?: AbortCondition[];
  timeline: Step[];
  checks: Record<string, Check>;
}

export type ExperimentStatus = 'completed' | 'failed' | 'aborted' | 'interrupted';

export interface CheckOutcome {
  name: string;
  expectation: string;
  verdict: Verdict;
}

export interface ExperimentResult {
  title: string;
  status: ExperimentStatus;
  /** why the run was aborted, interrupted, or could not finish */
  reason?: string;
  checks: CheckOutcome[];
  history: History;
  runId?: string;
  journal?: string;
}

export interface RunExperimentOptions {
  signal?: AbortSignal;
  reportDir?: string;
  /** a line per milestone (default: none) */
  log?: (line: string) => void;
  /** the file the experiment was declared in: its text goes into the journal and the report */
  file?: string;
  /** take the stack an earlier experiment of this process handed on, and hand this one on if restored (mocha) */
  shareStack?: boolean;
}

const WALL_MINIMUM_MS = 1000;

export async function runExperiment(title: string, given: ExperimentSpec, opts: RunExperimentOptions = {}): Promise<ExperimentResult> {
  // `epj-chaos run --stack/--replication/--time-scale/--report-dir` (harness/experiment/overrides.ts)
  const overrides = overridesFromEnv();
  const spec: ExperimentSpec = { ...given, stack: await stackWithOverrides(given.stack, overrides), timeScale: overrides.timeScale ?? given.timeScale };
  opts = { ...opts, ...(overrides.reportDir && !opts.reportDir ? { reportDir: overrides.reportDir } : {}) };
  // plan: everything that can be wrong with the experiment itself is found before anything is created
  const plan = planTimeline(spec.timeline);
  const timeline = Timeline.plan(plan.steps);
  const definition = parseStackDefinition(spec.stack);
  // a bearer token not set, a certificate that cannot be read: found now, not once the stack is up
  checkCredentials(definition);
  const missing = missingRunbooks(plan.steps.map((s) => s.action), definition);
  if (missing.length > 0) throw new InvalidInputError(missing.join('; '), 'add the runbook to the stack definition (docs/stack-definitions.md), or run on a stack that has it');
  const clock = new Clock(spec.timeScale);
  const gateFunctions = functionsOf(spec.steadyState?.functions ?? 'all').filter((fn) => definition.functions[fn]);
  const gateThreshold = spec.steadyState?.atLeast ?? 0.99;
  const gateScenarioMs = parseDuration(spec.steadyState?.for ?? '1 min', 'steadyState.for');
  const k6 = spec.load?.k6;
  // with k6 the script sets the pace: what it promises stands in for the profile (the gate, the progress lines);
  // epj-load drives the experiment's profile at the load the stack's definition says it takes
  const profile = k6 ? ratesProfile(k6.rates ?? {}) : atStackScale(spec.load?.profile ?? defaultProfile, definition.loadScale);
  const k6Script = k6 ? await k6ScriptOf(k6.script, opts.file) : undefined;
  const staleShare = spec.load?.clientsNobodyTold ?? 0;
  const staleDoor = clientsNobodyToldDoor(spec, definition);
  let progress: LiveProgress | undefined;
  const baseLog = opts.log ?? (() => {});
  // the runner's lines go above the live progress block, never through it
  const log = (line: string) => (progress ? progress.interject(() => baseLog(line)) : baseLog(line));

  // one seed for the synthetic patients and the load's choices, recorded in the journal: `run --seed` replays it
  const seed = overrides.seed ?? randomInt(0, 2 ** 32);
  const signal = opts.signal ? AbortSignal.any([opts.signal, exitSignal()]) : exitSignal();
  // brought up for the run, or kept (`--keep-stack`), or one `stack up` left running (`--attach`)
  const acquiring = acquireStack(spec.stack, overrides, { signal, share: opts.shareStack === true });
  const unregisterDown = onSignalExit('take the experiment stack down', async () => (await acquiring.catch(() => undefined))?.release());
  let stack: StartedStack | undefined;
  let acquired: AcquiredStack | undefined;
  // healed, ready again and changed in nothing a heal does not undo: the stack may serve the next experiment
  let restored = false;
  let provenance: Promise<Provenance> | undefined;
  let history = new History(clock);
  const result: ExperimentResult = { title, status: 'completed', checks: [], history };
  const source = opts.file ? await readExperimentSource(opts.file) : undefined;
  // a directory of the run's own, claimed once: a stack handed on serves several runs (reports/<run-id>-2/, …)
  let journalId: Promise<string> | undefined;
  const journal = async () =>
    writeJournal(
      {
        experiment: title,
        status: result.status,
        runId: result.runId,
        verdicts: result.checks.map((c) => ({ ...c.verdict, checker: c.name })),
        history: result.history,
        ...(result.reason ? { reason: result.reason } : {}),
        seed,
        definition: stack?.definition ?? definition,
        ...(provenance ? { provenance: await provenance } : {}),
        ...(source ? { source } : {}),
      },
      opts.reportDir,
      await (journalId ??= claimJournalId(result.runId, opts.reportDir)),
    );
  // on SIGINT/SIGTERM the exit guard heals (registered later, so run first), then writes what was measured, then
  // takes the stack down, and exits: the journal of an interrupted run says so
  const unregisterJournal = onSignalExit('write the experiment journal', async () => {
    result.status = 'interrupted';
    const file = await journal();
    await keepContainerLogs(file);
    // an interrupted run is reported too: what was measured until then, and that it was cut short
    await renderRunReports(file, overrides.reporters, log);
  });
  // what the containers said, beside the journal, read before the stack goes down: an attached stack's from this
  // run's start, a stack of the run's own from its boot
  const keepContainerLogs = async (journalFile: string) => {
    if (!stack || !acquired) return;
    const logs = await collectContainerLogs(stack, acquired.attached || acquired.reused ? history.clock.startWall - 60_000 : 0);
    await saveContainerLogs(path.dirname(journalFile), logs).catch((err: unknown) => log(`container logs not saved: ${describeError(err)}`));
  };
  try {
    acquired = await acquiring;
    stack = acquired.stack;
    result.runId = stack.runId;
    log(`stack ${definition.name} ${acquired.attached ? 'attached' : acquired.reused ? 'handed on by the previous experiment' : 'up'} (run ${stack.runId})`);
    // image ids, tool versions, commit and host, gathered while Docker is at hand (never throws)
    provenance = collectProvenance({ definition: stack.definition, docker: stack.docker });
    const patients = await seedPatients(stack.functionEndpoint('clinical-note'), { patients: spec.load?.patients ?? 500, seed });
    // scenario time 0 is the timeline's start; the history begins with the load that precedes it
    result.history = history = new History(new Clock(spec.timeScale));
    const progressMode = overrides.progress ?? 'off';
    if (progressMode !== 'off') {
      const functions = functionsOf('all').filter((fn) => definition.functions[fn] && profile[fn] > 0);
      progress = startLiveProgress(history, { tty: progressMode === 'tty', functions, scenarioStartsLater: true });
    }
    const ctx: RunContext = { stack, history, signal };
    const stopLoad = new AbortController();
    // every piece of measured work waits on it while the stack settles, and a site's boot runs several at once
    setMaxListeners(0, stopLoad.signal);
    // measured work lasts until the stack has settled after it (harness/timeline/settle.ts), judged from the load
    const settle = new SettleWatch();
    history.clock.settler = async (since, kind) => {
      if ((await settle.settled(since, kind, stopLoad.signal)) === 'cap') history.record({ kind: 'note', message: `the stack had not settled ${formatDuration(Date.now() - since)} after a piece of work: the scenario clock is back at scripted pace` });
    };
    const onAttempt = (a: LoadAttempt) => settle.observe(a.fn, a.start, a.ok, a.cause, a.status);
    // how far the loads have reported: the gate and the end wait for what they need, not for an attempt timeout
    const watermark = new LoadWatermark();
    const mainLoad = k6Script
      ? runK6Load({ stack, history, script: k6Script, endpoints: stack.functionEndpoints(), patients, durationMs: 0, signal: stopLoad.signal, onAttempt, watermark, ...(k6!.rates ? { rates: k6!.rates } : {}), ...(k6!.functionTag ? { functionTag: k6!.functionTag } : {}) })
      : runLoad({ stack, history, patients, profile, durationMs: 0, seed, signal: stopLoad.signal, onAttempt, watermark });
    // the clients nobody told: writes straight to the primary's EPJ, through a door no failover repoints
    const staleLoad = staleDoor
      ? runLoad({
          stack,
          history,
          patients,
          profile: scaleProfile(onlyFunctions(profile, WRITE_FUNCTIONS), staleShare),
          endpoints: Object.fromEntries(WRITE_FUNCTIONS.map((fn) => [fn, stack!.fhirEndpoint(staleDoor.name)])),
          durationMs: 0,
          seed: seed + 1,
          selfWatch: false,
          signal: stopLoad.signal,
          watermark,
        })
      : undefined;
    const load = Promise.all([mainLoad, staleLoad]).then(([main]) => main);
    let probe: StalenessProbe | undefined;
    try {
      probe = await startStalenessProbe(ctx);
      const injector = await FaultInjector.start(ctx);
      try {
        if (definition.warmUpMs > 0) {
          history.record({ kind: 'note', message: `warming up: the load runs ${formatDuration(definition.warmUpMs)} before the steady state is judged (the stack definition's warmUpMs)` });
          await sleep(definition.warmUpMs, signal);
        }
        const gate = await steadyStateGate(history, { functions: gateFunctions, threshold: gateThreshold, scenarioMs: gateScenarioMs, profile, watermark, signal });
        if (gate.status !== 'pass') {
          result.status = 'aborted';
          result.reason = `the steady state did not hold before injecting, so nothing was injected: ${leafSummaries(gate)}`;
          log(result.reason);
        } else {
          log(`steady state holds: ${gate.summary}`);
          await runTimeline(injector, timeline, plan.endMs, spec.abortWhen ?? [], watermark, result, log);
        }
      } finally {
        // the scenario is over (its checks judge up to its end): the load stops while the faults heal, not after
        stopLoad.abort();
        await injector.close();
      }
      // a promotion changed the stack's roles: the original steady state (a replica streaming from A) cannot come back
      // without a failback, and waiting a minute for it would only say so
      const promoted = history.ofKind('action').some((a) => a.effects?.some((e) => e.kind === 'promoted'));
      if (promoted) history.record({ kind: 'note', message: 'a promotion changed the stack\'s roles: its first steady state is not expected back without a failback' });
      if (result.status !== 'interrupted' && !promoted) {
        const ms = await stack.awaitHealthy(60_000, signal).catch((err: unknown) => {
          history.record({ kind: 'note', message: `steady state after healing: not back within 60 s: ${describeError(err)}` });
          return null;
        });
        if (ms !== null) history.record({ kind: 'note', message: `every component ready again ${ms} ms after healing` });
        // an operator action (promotion, repoint, upgrade, a fallback started) changed what a fresh stack would be
        restored = ms !== null && result.status === 'completed' && history.ofKind('action').length === 0;
      }
    } finally {
      stopLoad.abort();
      await Promise.allSettled([probe?.stop(), load]);
      progress?.stop();
    }
    const loadResult = await load.catch((err: unknown) => err as Error);
    if (loadResult instanceof Error) history.record({ kind: 'note', message: `the load generator failed: ${describeError(loadResult)}` });

    const readBackWrites = await readBackAcknowledged(stack, history).catch((err: unknown) => {
      history.record({ kind: 'note', message: `read-back failed: ${describeError(err)}` });
      return undefined;
    });
    const siteReadBack = staleDoor ? await readBackBothSites(stack, history, staleDoor.name) : undefined;
    result.checks = evaluateChecks(spec.checks, history, { definition, ...(readBackWrites ? { readBack: readBackWrites } : {}), ...(siteReadBack ? { siteReadBack } : {}) });
    if (result.status === 'completed' && result.checks.some((c) => c.verdict.status !== 'pass')) result.status = 'failed';
  } catch (err) {
    restored = false;
    result.status = signal.aborted ? 'interrupted' : 'failed';
    result.reason = describeError(err);
    log(`${result.status}: ${result.reason}`);
  } finally {
    progress?.stop();
    unregisterJournal();
    try {
      result.journal = await journal();
      await keepContainerLogs(result.journal);
      await renderRunReports(result.journal, overrides.reporters, log);
    } finally {
      try {
        // not on a signal: the exit guard is taking everything down, and a stack handed on now would escape it
        await acquired?.release({ handOn: restored && !signal.aborted && (result.status === 'completed' || result.status === 'failed') });
      } finally {
        unregisterDown();
      }
    }
  }
  return result;
}

/**
 * The gate (chaostoolkit's steady-state hypothesis before the method): the load runs for the hypothesis's window
 * — scenario time, floored at what can be measured: ≥ 1 s of wall time and ≥ 5 expected attempts of the slowest
 * function — then, once every attempt started in it has been recorded, the window is judged.
 */
async function steadyStateGate(
  history: History,
  g: { functions: ClinicalFunction[]; threshold: number; scenarioMs: number; profile: LoadProfile; watermark: LoadWatermark; signal: AbortSignal },
): Promise<Verdict> {
  const slowest = Math.min(...g.functions.map((fn) => g.profile[fn]).filter((r) => r > 0));
  // one attempt's worth of margin over the evidence floor, so a timer's jitter cannot make the gate `unknown`
  const windowMs = Math.max(g.scenarioMs / history.clock.scale, WALL_MINIMUM_MS, Number.isFinite(slowest) ? ((MIN_EXPECTED_ATTEMPTS + 1) * 1000) / slowest : 0);
  await sleep(500, g.signal); // the load's first slots
  let verdict: Verdict | undefined;
  // A window the harness could not judge (its own load generator starved, an arrival lost) says nothing about the
  // stack: a fresh window is judged instead, a few times, before the gate gives up. A failing window is final.
  for (let attempt = 1; attempt <= GATE_ATTEMPTS; attempt++) {
    const from = Date.now();
    history.record({ kind: 'phase', name: HARNESS_PHASE.steadyState, t: from });
    await sleep(windowMs, g.signal);
    const to = Date.now();
    await windowRecorded(history, g.watermark, to, g.signal);
    verdict = steadyStateVerdict(history, { functions: g.functions, threshold: g.threshold, from, to });
    if (verdict.status !== 'unknown' || g.signal.aborted) return verdict;
    if (attempt < GATE_ATTEMPTS) history.record({ kind: 'note', message: `steady-state window ${attempt} of ${GATE_ATTEMPTS} could not be judged (${leafSummaries(verdict)}): judging a fresh one` });
  }
  return verdict!;
}

/**
 * Until the window ending at `to` can be judged: every bucket that started before it recorded (as soon as the load
 * has read all of their attempts; no phase edge of the gate's can come late, it records them itself) and the
 * harness's own health sampled past it (harness/selfwatch/selfwatch.ts, once a second). At most the fixed wait a
 * load without a watermark needs.
 */
async function windowRecorded(history: History, watermark: LoadWatermark, to: number, signal: AbortSignal): Promise<void> {
  const deadline = to + RECORDED_AFTER_MS;
  await watermark.recorded(to, { capMs: deadline - Date.now(), signal });
  await pollUntil('a self-sample past the window', async () => history.ofKind('harness').some((h) => h.t >= to), { timeoutMs: deadline - Date.now(), intervalMs: 20, signal }).catch(() => {});
}

/** windows the gate judges before an unjudgeable steady state aborts the run */
const GATE_ATTEMPTS = 3;

async function runTimeline(
  injector: FaultInjector,
  timeline: Timeline,
  endMs: number,
  aborts: AbortCondition[],
  watermark: LoadWatermark,
  result: ExperimentResult,
  log: (l: string) => void,
): Promise<void> {
  const { ctx } = injector;
  const { history } = ctx;
  const stop = new AbortController();
  const signal = AbortSignal.any([ctx.signal ?? new AbortController().signal, stop.signal]);
  const watch = setInterval(() => {
    for (const a of aborts) {
      const passed = a.passed(history, Date.now());
      if (passed && !stop.signal.aborted) {
        result.status = 'aborted';
        result.reason = `abort condition '${a.description}' was met: ${passed}`;
        history.record({ kind: 'note', message: result.reason });
        log(result.reason);
        stop.abort();
      }
    }
  }, 500);
  try {
    await timeline.prepare(injector);
    history.startScenarioAt(Date.now());
    await timeline.run(injector, { signal, base: 0 }).catch((err: unknown) => {
      if (!stop.signal.aborted) throw err;
    });
    // the scenario lasts until its end, after the last step
    if (!stop.signal.aborted) await untilScenario(history.clock, endMs, signal);
    if (ctx.signal?.aborted) {
      result.status = 'interrupted';
      result.reason = 'interrupted (SIGINT/SIGTERM): healed and torn down';
    }
    const end = Date.now();
    history.record({ kind: 'phase', name: HARNESS_PHASE.end, t: end });
    // The faults hold until every attempt started before the end has ended: healed at once, an attempt still
    // waiting for a dead integration or a blackholed link would be answered after the heal and read as the last
    // phase's success. At most one attempt timeout (and its line's way here).
    if (!stop.signal.aborted && !ctx.signal?.aborted) await watermark.reported(end, { capMs: DEFAULT_ATTEMPT_TIMEOUT_MS + 250, signal });
  } finally {
    clearInterval(watch);
  }
}

function evaluateChecks(checks: Record<string, Check>, history: History, ctx: Parameters<Check['evaluate']>[1]): CheckOutcome[] {
  return Object.entries(checks).map(([name, check]) => {
    let verdict: Verdict;
    try {
      verdict = check.evaluate(history, ctx);
    } catch (err) {
      // a checker that throws gives `unknown` with the error, never a crash that loses the other verdicts
      verdict = { checker: name, status: 'unknown', summary: `the check could not be evaluated: ${describeError(err)}` };
    }
    return { name, expectation: check.expectation, verdict };
  });
}

/**
 * The door the clients nobody told use (`load.clientsNobodyTold`), checked against the stack: a share from 0 to 1,
 * and a front door straight to the write EPJ that serves no function. Undefined without such clients.
 */
export function clientsNobodyToldDoor(spec: Pick<ExperimentSpec, 'load'>, definition: StackDefinition): LinkSpec | undefined {
  if (share(spec.load?.clientsNobodyTold ?? 0, 'load.clientsNobodyTold') === 0) return undefined;
  const door = unroutedWriteDoor(definition);
  if (!door) {
    throw new InvalidInputError(`load.clientsNobodyTold: stack '${definition.name}' has no front door straight to its write EPJ that serves no function`, 'add an unrouted front-door link to the EPJ the write functions reach');
  }
  return door;
}

/**
 * After a failover, each site read back on its own: the old primary's through the door nobody repointed, the new
 * one's through the EPJ front door. A site that cannot be read (it is dark) is left out; the checker says unknown.
 */
async function readBackBothSites(stack: StartedStack, history: History, staleDoor: string): Promise<SiteReadBack | undefined> {
  const promoted = history.ofKind('action').flatMap((a) => a.effects ?? []).find((e) => e.kind === 'promoted');
  if (!promoted) return undefined;
  const siteOf = (container: string) => stack.definition.containers.find((c) => c.name === container)?.site;
  const oldSite = siteOf(stack.definition.links.find((l) => l.name === staleDoor)!.upstream.container);
  const newSite = siteOf(promoted.container);
  if (!oldSite || !newSite || oldSite === newSite) return undefined;
  const byType: Record<string, string[]> = {};
  for (const w of history.ofKind('write')) (byType[w.resourceType] ??= []).push(w.writeId);
  const sites: Record<string, PresentWrite[]> = {};
  for (const [site, endpoint] of [[oldSite, stack.fhirEndpoint(staleDoor)], [newSite, stack.functionEndpoint('clinical-note')]] as const) {
    try {
      sites[site] = await readBack(endpoint, byType);
    } catch (err) {
      history.record({ kind: 'note', message: `read-back at site ${site} failed: ${describeError(err)}` });
    }
  }
  return sites;
}

/** Every acknowledged write, read back through the EPJ front door (which leads to the authoritative site). */
async function readBackAcknowledged(stack: StartedStack, history: History) {
  const byType: Record<string, string[]> = {};
  for (const w of history.ofKind('write')) (byType[w.resourceType] ??= []).push(w.writeId);
  if (Object.keys(byType).length === 0) return [];
  return readBack(stack.functionEndpoint('clinical-note'), byType);
}

export function leafSummaries(v: Verdict): string {
  const leaves = (x: Verdict): Verdict[] => (x.children && x.children.length > 0 ? x.children.flatMap(leaves) : [x]);
  return leaves(v)
    .filter((x) => x.status !== 'pass')
    .map((x) => `${x.status}: ${x.summary}`)
    .join('; ');
}

/** A k6 load's promised rates as a profile (functions it does not promise at 0). */
function ratesProfile(rates: Partial<Record<ClinicalFunction, number>>): LoadProfile {
  return Object.freeze(Object.fromEntries(CLINICAL_FUNCTIONS.map((fn) => [fn, rates[fn] ?? 0]))) as LoadProfile;
}

/**
 * The k6 script's path (relative to the experiment's file), checked with k6 itself before anything starts: a
 * missing script or k6 is found here, not after the stack came up.
 */
export async function k6ScriptOf(script: string, experimentFile: string | undefined): Promise<string> {
  const base = experimentFile ? path.dirname(typeScriptOf(experimentFile)) : process.cwd();
  const file = path.resolve(base, script);
  if (!existsSync(file)) throw new InvalidInputError(`load.k6.script: ${file} does not exist`, 'give the path of your k6 script, relative to the experiment file');
  await resolveK6('k6');
  return file;
}
