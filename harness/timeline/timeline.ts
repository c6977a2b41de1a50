import { setMaxListeners } from 'node:events';
import { HARNESS_PHASE, isFreePhaseName, HARNESS_PHASE_NAME_RULE, recordPhaseStart } from './phase-start.js';
import { z } from 'zod';
import type { OperatorAction } from '../actions/action.js';
import { InvalidInputError } from '../errors.js';
import type { Fault } from '../faults/fault.js';
import type { FaultInjector } from '../faults/injector.js';
import { createFault } from '../faults/registry.js';
import { untilScenario } from '../faults/scenario-time.js';

/**
 * A scenario's steps in scenario time (ms): phases, fault injections and heals, operator actions. Steps run when
 * the scenario clock reaches `at` (harness/history/clock.ts: scripted waits compressed, measured work 1:1), each on
 * its own timer (a long step, such as a UPS draining, does not hold up
 * the next). Every step records when it was scheduled; faults and actions record when they took effect, so the
 * history keeps the skew of each.
 */

const actionSchema = z.custom<OperatorAction>((v) => typeof v === 'object' && v !== null && typeof (v as OperatorAction).run === 'function', 'an operator action ({ name, run })');

export const timelineStepSchema = z
  .object({
    /** scenario milliseconds from the timeline's start */
    at: z.number().nonnegative(),
    /** a new phase (baseline, fault, recovery, …) starts here */
    phase: z.string().min(1).refine(isFreePhaseName, HARNESS_PHASE_NAME_RULE).optional(),
    /**
     * the phase starts when the fault injected under this name took hold (its applied instant), not at `at`: e.g.
     * 'site A dark' begins when the UPS drained and the site's containers died, however long the kill took
     */
    phaseWhenApplied: z.string().min(1).optional(),
    /** inject a fault; `name` lets a later step heal it */
    inject: z.object({ name: z.string().min(1), kind: z.string().min(1) }).passthrough().optional(),
    /** heal the fault injected under this name */
    heal: z.string().min(1).optional(),
    action: actionSchema.optional(),
  })
  .strict()
  .refine((s) => [s.inject, s.heal, s.action].filter(Boolean).length <= 1, 'a step does one of inject, heal, action (a phase may go with it)')
  .refine((s) => s.phase || s.inject || s.heal || s.action, 'a step needs a phase, inject, heal or action')
  .refine((s) => !s.phaseWhenApplied || (s.phase && !s.inject && !s.heal && !s.action), 'phaseWhenApplied goes with a phase and nothing else');
export type TimelineStep = z.input<typeof timelineStepSchema>;

interface PlannedStep {
  at: number;
  phase?: string;
  phaseWhenApplied?: string;
  fault?: Fault;
  faultName?: string;
  heal?: string;
  action?: OperatorAction;
}

export interface TimelineOptions {
  signal?: AbortSignal;
  /** the scenario instant of the timeline's 0 (default: now on the history's clock) */
  base?: number;
}

export class Timeline {
  private constructor(
    private readonly steps: PlannedStep[],
    private readonly faults: Map<string, Fault>,
  ) {}

  /**
   * Checks every step before anything runs: step shape, fault kinds and parameters, heals that name an injected
   * fault (injected earlier). Target selectors are checked against the stack in `run` before t = 0.
   */
  static plan(input: unknown[]): Timeline {
    const problems: string[] = [];
    const faults = new Map<string, Fault>();
    const injectedAt = new Map<string, number>();
    const steps: PlannedStep[] = [];
    /** each planned step's number in the input (a refused step is not planned, and must not shift the others') */
    const numbers: number[] = [];
    // A refused step still names what it injects, so its heal is not reported as a second, made-up problem.
    const noteRefusedInject = (raw: unknown) => {
      const step = raw as { at?: unknown; inject?: { name?: unknown } } | null;
      if (typeof step?.inject?.name === 'string' && typeof step.at === 'number' && !injectedAt.has(step.inject.name)) injectedAt.set(step.inject.name, step.at);
    };
    input.forEach((raw, i) => {
      const parsed = timelineStepSchema.safeParse(raw);
      if (!parsed.success) {
        problems.push(`step ${i + 1}: ${parsed.error.issues.map((x) => `${x.path.join('.') || '(step)'}: ${x.message}`).join('; ')}`);
        noteRefusedInject(raw);
        return;
      }
      const s = parsed.data;
      const step: PlannedStep = { at: s.at, phase: s.phase, phaseWhenApplied: s.phaseWhenApplied, action: s.action, heal: s.heal };
      if (s.inject) {
        const { name, ...spec } = s.inject;
        if (faults.has(name)) {
          problems.push(`step ${i + 1}: a fault named '${name}' is injected twice`);
          steps.push(step);
          numbers.push(i + 1);
          return;
        }
        try {
          const fault = createFault(spec as { kind: string });
          faults.set(name, fault);
          injectedAt.set(name, s.at);
          step.fault = fault;
          step.faultName = name;
        } catch (err) {
          problems.push(`step ${i + 1}: ${err instanceof Error ? err.message : String(err)}`);
          injectedAt.set(name, s.at);
        }
      }
      steps.push(step);
      numbers.push(i + 1);
    });
    for (const [i, s] of steps.entries()) {
      const n = numbers[i]!;
      if (s.phaseWhenApplied && !injectedAt.has(s.phaseWhenApplied)) problems.push(`step ${n}: phaseWhenApplied names '${s.phaseWhenApplied}', which no step injects`);
      if (!s.heal) continue;
      const at = injectedAt.get(s.heal);
      if (at === undefined) problems.push(`step ${n}: heals '${s.heal}', which no step injects`);
      else if (at > s.at) problems.push(`step ${n}: heals '${s.heal}' at ${s.at} ms, before it is injected at ${at} ms`);
    }
    if (problems.length > 0) throw new InvalidInputError(`invalid timeline:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    return new Timeline(steps, faults);
  }

  /** Scenario length: the last step's instant. */
  get durationMs(): number {
    return Math.max(0, ...this.steps.map((s) => s.at));
  }

  fault(name: string): Fault | undefined {
    return this.faults.get(name);
  }

  /**
   * Resolves every fault's targets (a selector matching nothing fails here, before any injection) and hands the
   * faults to the injector, which heals them on every exit path. `run` does it if not done; a caller that starts
   * scenario time at the first step does it first, so the preparation is not part of the scenario.
   */
  async prepare(injector: FaultInjector): Promise<void> {
    if (this.prepared) return;
    for (const f of this.faults.values()) await f.prepare(injector.ctx);
    for (const f of this.faults.values()) injector.track(f);
    this.prepared = true;
  }

  private prepared = false;

  /**
   * Runs the steps. Targets are resolved first (a selector matching nothing fails here, before any injection).
   * Resolves when every step has run; the first failing step aborts the rest and is rethrown. Healing what was
   * injected is the injector owner's job (its finally/after), so an error here never leaves a fault behind.
   */
  async run(injector: FaultInjector, opts: TimelineOptions = {}): Promise<void> {
    const { ctx } = injector;
    await this.prepare(injector);

    const clock = ctx.history.clock;
    const base = opts.base ?? clock.toScenario(Date.now());
    const failed = new AbortController();
    const signal = opts.signal ? AbortSignal.any([opts.signal, failed.signal]) : failed.signal;
    setMaxListeners(0, signal); // every waiting step listens to it
    const actionCount = new Map<string, number>();

    const runStep = async (s: PlannedStep) => {
      const scenarioMs = base + s.at;
      // the wall instant of a scenario instant moves while measured work runs the clock at 1:1
      if (!(await untilScenario(clock, scenarioMs, signal))) return;
      const due = clock.toWall(scenarioMs);
      // A phase starts where its step took effect (docs/measurements.md): an injection where the fault's first effect
      // was certain, a heal where the heal was done, an action where it started, a bare phase at its scheduled
      // instant. Where the effect's instant is uncertain — between asking for it and its proof — the attempts that
      // started in between are a phase of their own ('taking hold', 'healing'), so neither neighbour counts them.
      // A fault's first effect is an `onset`: what it catches in flight from the phase before is its own.
      const startPhase = (from: number, certainFrom = from, transition: string = HARNESS_PHASE.takingHold, onset = false) => {
        if (s.phase) recordPhaseStart(ctx.history, s.phase, { from, certainFrom }, transition, onset);
      };
      if (s.fault) {
        ctx.history.record({ kind: 'fault', id: s.fault.id, fault: s.fault.kind, stage: 'scheduled', target: s.fault.describeTarget(), t: due, scenarioMs, step: s.faultName, detail: `step '${s.faultName}'` });
        await s.fault.inject({ ...ctx, signal }, due, (e) => startPhase(e.from, e.certainFrom, HARNESS_PHASE.takingHold, e.harmless !== true));
      } else if (s.heal) {
        const fault = this.faults.get(s.heal)!;
        await fault.heal(ctx, due);
        const healedAt = fault.healedAt ?? Date.now();
        startPhase(Math.min(fault.healAskedAt ?? healedAt, healedAt), healedAt, HARNESS_PHASE.healing);
      } else if (s.action) {
        const n = (actionCount.get(s.action.name) ?? 0) + 1;
        actionCount.set(s.action.name, n);
        ctx.history.record({ kind: 'action', id: `${s.action.name}#${n}`, action: s.action.name, stage: 'scheduled', t: due, scenarioMs });
        startPhase(Date.now());
        const action = s.action;
        await clock.measure(() => action.run({ ...ctx, signal }), action.kindIn?.(ctx) ?? action.kind ?? 'act'); // an operator action is the stack's work: 1:1
      } else if (s.phaseWhenApplied) {
        const applied = await this.faults.get(s.phaseWhenApplied)!.whenApplied;
        if (applied !== undefined && !signal.aborted) startPhase(applied.from, applied.certainFrom, HARNESS_PHASE.takingHold, true);
      } else {
        startPhase(due);
      }
    };

    const results = await Promise.allSettled(
      this.steps.map((s) =>
        runStep(s).catch((err) => {
          failed.abort();
          throw err;
        }),
      ),
    );
    const firstError = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (firstError) throw firstError.reason;
    if (opts.signal?.aborted) throw opts.signal.reason ?? new Error('timeline interrupted');
  }
}
