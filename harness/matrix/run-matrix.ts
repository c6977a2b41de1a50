import { checkLostWrites } from '../checkers/lost-writes.js';
import { appliedFaults } from '../checkers/rto.js';
import { describeError } from '../errors.js';
import type { EffectWindow, Fault } from '../faults/fault.js';
import { createFault } from '../faults/registry.js';
import { FaultInjector } from '../faults/injector.js';
import { Clock } from '../history/clock.js';
import { History } from '../history/history.js';
import type { WriteEvent } from '../history/events.js';
import { exitSignal, onSignalExit } from '../lifecycle/exit-guard.js';
import { JournalSpill } from '../reporters/journal-spill.js';
import { collectProvenance } from '../reporters/provenance.js';
import type { Provenance } from '../reporters/journal-schema.js';
import { startStalenessProbe, type StalenessProbe } from '../probes/staleness.js';
import type { RunContext } from '../run-context.js';
import { CLINICAL_FUNCTIONS, parseStackDefinition, type ClinicalFunction, type StackDefinition, type StackDefinitionInput } from '../stack/definition.js';
import { checkCredentials } from '../fhir/link-credentials.js';
import type { StartedStack } from '../stack/started-stack.js';
import { upStack } from '../stack/up.js';
import { sleep } from '../stack/wait/poll.js';
import { HARNESS_PHASE, recordPhaseStart } from '../timeline/phase-start.js';
import { SettleWatch } from '../timeline/settle.js';
import { DEFAULT_ATTEMPT_TIMEOUT_MS, runLoad, type LoadRunResult } from '../workload/driver.js';
import { atStackScale, defaultProfile, type LoadProfile } from '../workload/profile.js';
import { readBack } from '../workload/readback.js';
import { seedPatients, type SeededPatient } from '../workload/seed.js';
import type { MatrixCell } from './cells.js';
import { cellResult, type CellSpan } from './cell-result.js';
import type { CellResult } from './result.js';

/**
 * The failure-mode matrix on ONE stack (docs/matrix.md): under a steady clinical load, each cell is baseline →
 * fault → heal → recovery, then the stack is restored for the next: healed (Toxiproxy proven clean), every
 * component ready again, every function answering again. A stack that cannot be restored is rebuilt, and the cell
 * says so. One history holds the whole matrix — each cell's phases are named after it — so every number comes
 * from the same checkers the experiments use.
 */
export interface MatrixOptions {
  stack: StackDefinitionInput;
  cells: readonly MatrixCell[];
  /**
   * per cell, wall ms (defaults: 2 s baseline, 5 s of fault of which the last attempt timeout is set apart as
   * pending at the heal, recovery until every function is back or 15 s)
   */
  baselineMs?: number;
  faultMs?: number;
  recoveryCapMs?: number;
  profile?: LoadProfile;
  patients?: number;
  signal?: AbortSignal;
  log?: (line: string) => void;
  /**
   * On SIGINT/SIGTERM, after the faults are healed and before the stack goes down: what was measured so far (the
   * cell under way counts as failed, nothing read back), for the caller to write.
   */
  onInterrupted?: (partial: MatrixRun) => Promise<void>;
}

export interface MatrixRun {
  runIds: string[];
  /** the events of the cells still to be judged at the end; every earlier one is in `spill` */
  history: History;
  /** the judged cells' events, for the journal (writeMatrix writes and removes it) */
  spill: JournalSpill;
  definition: StackDefinition;
  results: CellResult[];
  wallMs: number;
  /** image ids, tool versions, commit and host, gathered while Docker was at hand */
  provenance: Provenance;
  /** cut short by SIGINT/SIGTERM */
  interrupted?: boolean;
}

const RESTORE_TIMEOUT_MS = 30_000;
/** after the last cell, what every attempt started in it needs to be recorded (the load's grace) */
const FLUSH_MS = 3_500;

/** A cell as the run goes: its span for the result, and the fault object to heal. */
interface Span extends CellSpan {
  fault?: Fault;
}

/** One stack with its load, probe and injector: what a rebuild replaces. */
interface Session {
  stack: StartedStack;
  ctx: RunContext;
  injector: FaultInjector;
  probe: StalenessProbe | undefined;
  settle: SettleWatch;
  stopLoad: AbortController;
  load: Promise<LoadRunResult>;
  patients: SeededPatient[];
  unregisterSignalHandlers: () => void;
}

export async function runMatrix(opts: MatrixOptions): Promise<MatrixRun> {
  const definition = parseStackDefinition(opts.stack);
  checkCredentials(definition); // before the first stack comes up
  const baselineMs = opts.baselineMs ?? 2000;
  const faultMs = opts.faultMs ?? 5000;
  const recoveryCapMs = opts.recoveryCapMs ?? 15_000;
  const profile = atStackScale(opts.profile ?? defaultProfile, definition.loadScale);
  const log = opts.log ?? (() => {});
  const signal = opts.signal ? AbortSignal.any([opts.signal, exitSignal()]) : exitSignal();
  const functions = CLINICAL_FUNCTIONS.filter((fn) => definition.functions[fn] && profile[fn] > 0);
  const history = new History(new Clock(1));
  const started = Date.now();
  const runIds: string[] = [];
  const lost = new Map<string, number>();
  const rebuiltAfter = new Set<string>();
  let provenance: Promise<Provenance> | undefined;
  const spans: Span[] = [];
  // Memory stays flat however many cells (docs/matrix.md): a cell is judged once the next has run (its every
  // attempt recorded by then), and its events then go to the journal's spill; its writes are read back as soon as
  // the stack is restored after it, and let go.
  const spill = await JournalSpill.open(definition);
  const judged = new Map<Span, CellResult>();
  const unread: WriteEvent[] = [];
  const unsubscribe = history.subscribe((e) => {
    if (e.kind === 'write') unread.push(e);
  });
  const resultOf = (sp: Span, interrupted = false) =>
    judged.get(sp) ?? cellResult(history, definition, functions, sp.endedAt || !interrupted ? sp : { ...sp, failed: sp.failed ?? 'interrupted' }, interrupted ? Number.NaN : lost.get(sp.cell.id), rebuiltAfter.has(sp.cell.id));

  /** Reads back every write recorded since the last read-back; a lost one belongs to the cell it was acknowledged in. */
  const readBackUnread = async (s: Session) => {
    const writes = unread.splice(0, unread.length);
    const byType: Record<string, string[]> = {};
    for (const w of writes) (byType[w.resourceType] ??= []).push(w.writeId);
    const cellAt = (t: number) => [...spans].reverse().find((c) => c.startedAt <= t);
    try {
      const present = Object.keys(byType).length > 0 ? await readBack(s.stack.functionEndpoint('clinical-note'), byType) : [];
      for (const l of checkLostWrites(writes, present).lost) {
        const cell = cellAt(l.acknowledgedAt);
        if (cell) lost.set(cell.cell.id, (lost.get(cell.cell.id) ?? 0) + 1);
      }
    } catch (err) {
      history.record({ kind: 'note', message: `read-back failed on run ${s.stack.runId}: ${describeError(err)}` });
      for (const w of writes) {
        const cell = cellAt(w.t);
        if (cell) lost.set(cell.cell.id, Number.NaN);
      }
    }
  };

  /** Judges the cell before `current` (all of its attempts are in by now) and spills what lies before `current`. */
  const judgeAndSpill = async (current: Span) => {
    const i = spans.indexOf(current);
    const previous = spans[i - 1];
    if (!previous || judged.has(previous)) return;
    judged.set(previous, resultOf(previous));
    await spill.add(history.spill(current.startedAt));
  };

  const open = async (): Promise<Session> => {
    const stack = await upStack(opts.stack, { signal });
    // on SIGINT/SIGTERM: heal (the injector's), write what was measured (below), then this, last
    const unregisterDown = onSignalExit('take the matrix stack down', () => stack.down());
    runIds.push(stack.runId);
    log(`stack ${definition.name} up (run ${stack.runId})`);
    provenance ??= collectProvenance({ definition, docker: stack.docker });
    const patients = await seedPatients(stack.functionEndpoint(functions.find((fn) => fn !== 'read-only-lookup') ?? functions[0]!), { patients: opts.patients ?? 300 });
    const ctx: RunContext = { stack, history, signal };
    // back means 2 s of successes from every function (the experiments' clock waits 5 s: it reports a duration)
    const settle = new SettleWatch({ capMs: recoveryCapMs, stableMs: { break: 1000, restore: 2000 } });
    const stopLoad = new AbortController();
    const load = runLoad({ stack, history, patients, profile, durationMs: 0, signal: stopLoad.signal, onAttempt: (a) => settle.observe(a.fn, a.start, a.ok, a.cause, a.status) });
    load.catch(() => {}); // awaited in close()
    const probe = await startStalenessProbe(ctx).catch((err: unknown) => {
      history.record({ kind: 'note', message: `staleness not measured: ${describeError(err)}` });
      return undefined;
    });
    // registered before the injector's heal, so it runs after it (the exit guard runs cleanups last-in first-out)
    const unregisterInterrupted = onSignalExit('write the matrix measured so far', async () => {
      if (!opts.onInterrupted) return;
      const results = spans.map((sp) => resultOf(sp, true));
      await opts.onInterrupted({ runIds, history, spill, definition, results, wallMs: Date.now() - started, provenance: await (provenance ?? collectProvenance({ definition, docker: null })), interrupted: true });
    });
    const injector = await FaultInjector.start(ctx);
    return { stack, ctx, injector, probe, settle, stopLoad, load, patients, unregisterSignalHandlers: () => (unregisterInterrupted(), unregisterDown()) };
  };

  /** Heals, stops the load and the probe, reads back what was acknowledged on this stack, takes it down. */
  const close = async (s: Session) => {
    try {
      // a fault that cannot be healed (its container gone) ends with the stack: every part of it, Toxiproxy and
      // its toxics included, is removed below; said, not thrown, so the matrix goes on (a rebuild) or is written
      await s.injector.close().catch((err: unknown) => {
        history.record({ kind: 'note', message: `run ${s.stack.runId}: not healed before tear-down (the stack goes, and the fault with it): ${describeError(err)}` });
        log(`run ${s.stack.runId}: not healed before tear-down: ${describeError(err)}`);
      });
    } finally {
      await sleep(FLUSH_MS).catch(() => {});
      s.stopLoad.abort();
      await Promise.allSettled([s.probe?.stop(), s.load]);
      await readBackUnread(s);
      s.unregisterSignalHandlers();
      await s.stack.down();
    }
  };

  let session: Session | undefined;
  try {
    try {
      session = await open();
      for (const [i, cell] of opts.cells.entries()) {
        if (signal.aborted) break;
        log(`cell ${i + 1}/${opts.cells.length}: ${cell.id}`);
        const span: Span = { cell, startedAt: Date.now(), baselineMs: 0, faultMs: 0, recoveryMs: 0, restoreMs: 0 };
        spans.push(span);
        let t = Date.now();
        let since = t;
        history.record({ kind: 'phase', name: `${cell.id} · baseline` });
        await sleep(baselineMs, signal);
        span.baselineMs = Date.now() - t;
        t = Date.now();
        try {
          span.fault = createFault(cell.fault);
          span.faultId = span.fault.id;
          // as in an experiment's timeline (harness/timeline/timeline.ts): attempts that started between asking for the
          // fault and its proof are a phase of their own, so the fault's phase holds only attempts it certainly met
          // marked as soon as the effect is known (before the fault's proof), while the baseline's buckets are open;
          // the fault's first effect is an onset: a baseline attempt it caught in flight is the fault's
          let marked = false;
          const markFault = (applied: EffectWindow) => {
            marked = true;
            recordPhaseStart(history, `${cell.id} · fault`, applied, `${cell.id} · taking hold`, applied.harmless !== true);
          };
          await session.injector.inject(span.fault, undefined, markFault);
          if (!marked) markFault({ from: appliedAt(history, span.fault) ?? Date.now(), certainFrom: appliedAt(history, span.fault) ?? Date.now() });
          await sleep(Math.max(0, faultMs - DEFAULT_ATTEMPT_TIMEOUT_MS), signal);
          // attempts started within one attempt timeout before the heal may be answered by it: a phase of their own
          history.record({ kind: 'phase', name: `${cell.id} · pending at the heal` });
          await sleep(Math.min(faultMs, DEFAULT_ATTEMPT_TIMEOUT_MS), signal);
          span.faultMs = Date.now() - t;
          t = Date.now();
          await span.fault.heal(session.ctx);
          since = span.fault.healedAt ?? Date.now();
          history.record({ kind: 'phase', name: `${cell.id} · recovery`, t: since });
          // recovery lasts until every function answers again (2 s of successes), at most the cap
          await untilBack(session, since, recoveryCapMs, signal);
          span.recoveryMs = Date.now() - t;
        } catch (err) {
          span.failed = describeError(err);
          history.record({ kind: 'note', message: `cell ${cell.id}: ${span.failed}` });
          since = Date.now();
        }
        // restore: everything healed and ready again, and every function answering; else a fresh stack
        t = Date.now();
        history.record({ kind: 'phase', name: `${cell.id} · restore` });
        const restored = await restore(session, since, recoveryCapMs, signal).catch((err: unknown) => describeError(err));
        if (restored !== true && !signal.aborted) {
          log(`cell ${cell.id}: the stack could not be restored (${restored}): rebuilding it`);
          history.record({ kind: 'note', message: `after ${cell.id} the stack could not be restored (${restored}): rebuilt` });
          rebuiltAfter.add(cell.id);
          const old = session;
          session = undefined;
          await close(old);
          session = await open();
        } else if (restored === true) {
          await readBackUnread(session);
        }
        span.restoreMs = Date.now() - t;
        span.endedAt = Date.now();
        await judgeAndSpill(span);
      }
      history.record({ kind: 'phase', name: HARNESS_PHASE.end });
    } finally {
      if (session) await close(session);
    }
  } catch (err) {
    // a run that throws writes no journal: its spill goes now (else writeMatrix removes it once written)
    await spill.dispose();
    throw err;
  } finally {
    unsubscribe();
  }

  const results = spans.map((sp) => resultOf(sp));
  return { runIds, history, spill, definition, results, wallMs: Date.now() - started, provenance: await (provenance ?? collectProvenance({ definition, docker: null })) };
}

/** Every fault healed (proven by the injector), every component ready again, every function answering again since `since`. */
async function restore(s: Session, since: number, capMs: number, signal: AbortSignal): Promise<true | string> {
  await s.injector.healAll();
  await s.stack.awaitHealthy(RESTORE_TIMEOUT_MS, signal);
  return untilBack(s, since, capMs, signal);
}

/** Waits until every function has answered its latest attempts since `since` with successes; else says why not. */
async function untilBack(s: Session, since: number, capMs: number, signal: AbortSignal): Promise<true | string> {
  const deadline = Date.now() + capMs;
  while (!s.settle.isBack(since)) {
    if (signal.aborted) return 'interrupted';
    if (Date.now() > deadline) return `not every function answered again within ${Math.round(capMs / 1000)} s`;
    await sleep(100, signal).catch(() => {});
  }
  return true;
}

function appliedAt(history: History, fault: Fault | undefined): number | undefined {
  return fault ? appliedFaults(history).find((f) => f.id === fault.id)?.t : undefined;
}

