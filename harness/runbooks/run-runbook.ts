import { operatorAction, type NewEffect, type OperatorAction, type Proof } from '../actions/action.js';
import { AbortedError, describeError, HarnessError, InvalidInputError } from '../errors.js';
import type { RunContext } from '../run-context.js';
import type { StackDefinition } from '../stack/definition.js';
import { pollUntil } from '../stack/wait/poll.js';
import { stepKind, type RunbookStep } from './schema.js';
import { runContainerStep } from './steps/container.js';
import { runUpgradeStep } from './steps/upgrade.js';
import { runExecStep } from './steps/exec.js';
import { runHostStep } from './steps/host.js';
import { runHttpStep } from './steps/http.js';
import { runOneOffStep } from './steps/one-off.js';
import { runProveWriteStep } from './steps/prove-write.js';
import { runReadyStep } from './steps/ready.js';
import { runRepointStep } from './steps/repoint.js';
import { runSqlStep } from './steps/sql.js';
import type { StepContext, StepOutcome } from './steps/step.js';
import { withCaptured, type Captured } from './variables.js';

/** How an action is asked to run its runbook: `fence: false` skips the fencing steps (the operator who forgets). */
export interface RunbookParams {
  fence?: boolean;
}

/**
 * An operator action that performs the stack definition's runbook of the same name, step by step, each recorded
 * with what was done and when it was seen to be done (the proof in the action's history event). Its kind of work
 * for the scenario clock is the runbook's own.
 */
export function runbookAction(name: string, params: RunbookParams = {}): OperatorAction {
  const action = operatorAction(name, (ctx, proof) => runRunbook(ctx, proof, name, params));
  return { ...action, runbook: name, kindIn: (ctx: RunContext) => ctx.stack.definition.runbooks[name]?.kind ?? 'act' };
}

/** Every action of a timeline whose runbook the stack lacks, as problems to refuse before anything starts. */
export function missingRunbooks(actions: readonly (OperatorAction | undefined)[], def: StackDefinition): string[] {
  const known = Object.keys(def.runbooks);
  return [...new Set(actions.flatMap((a) => (a?.runbook && !def.runbooks[a.runbook] ? [a.runbook] : [])))].map(
    (name) => `operator action '${name}': stack '${def.name}' has no runbook '${name}' (${known.length > 0 ? `its runbooks: ${known.join(', ')}` : 'it has none'})`,
  );
}

export async function runRunbook(ctx: RunContext, proof: Proof, name: string, params: RunbookParams = {}): Promise<void> {
  const def = ctx.stack.definition;
  const book = def.runbooks[name];
  if (!book) {
    const known = Object.keys(def.runbooks);
    throw new InvalidInputError(`stack '${def.name}' has no runbook '${name}'`, known.length > 0 ? `its runbooks: ${known.join(', ')}` : 'add one to the definition\'s `runbooks` (docs/runbooks.md)');
  }
  const captured: Captured = new Map();
  for (const [i, raw] of book.steps.entries()) {
    const where = `runbook '${name}' step ${i + 1} '${raw.name}'`;
    if (raw.fencing && params.fence === false) {
      proof.note(`${raw.name}: skipped (fence: false)`);
      continue;
    }
    if (ctx.signal?.aborted) throw new AbortedError(`${where}: interrupted`);
    let outcome: StepOutcome;
    try {
      outcome = await attemptStep(ctx, raw, captured, where);
    } catch (err) {
      if (err instanceof AbortedError) throw err;
      if (raw.refuse && err instanceof HarnessError && err.code === EXPECTATION_FAILED) {
        throw new InvalidInputError(`${name} refused: ${raw.refuse} (${raw.name}: ${describeError(err)})`);
      }
      if (raw.onFailure === 'continue') {
        proof.note(`${raw.name}: did not work, carried on (${describeError(err)})`);
        continue;
      }
      throw new HarnessError(`${where} failed: ${describeError(err)}`, err instanceof HarnessError ? err.code : 'runbook-step-failed');
    }
    if (raw.capture) captured.set(raw.capture, outcome.answer);
    proof.observed(`${raw.name} (${outcome.said}${raw.record ? `: ${JSON.stringify(outcome.answer)}` : ''})`, effectOf(raw));
  }
}

/** A step's expected answer did not come: what a `refuse` step turns into a refusal. */
export const EXPECTATION_FAILED = 'runbook-expectation';

/** One step: once, or (`until`) again until it succeeds or its time is up; captured values filled in each time. */
async function attemptStep(ctx: RunContext, raw: RunbookStep, captured: Captured, where: string): Promise<StepOutcome> {
  const once = () => {
    const step = withCaptured(raw, captured, where);
    return runStep(step, { ctx, timeoutMs: step.timeoutMs, where });
  };
  if (!raw.until) return once();
  let outcome: StepOutcome | undefined;
  let last: unknown;
  await pollUntil(
    raw.name,
    async () => {
      try {
        outcome = await once();
        return true;
      } catch (err) {
        last = err;
        throw err;
      }
    },
    { timeoutMs: raw.until.timeoutMs, intervalMs: raw.until.intervalMs, ...(ctx.signal ? { signal: ctx.signal } : {}) },
  ).catch((err: unknown) => {
    // what kept failing decides what the step's failure is (an expectation never met, or a link never reached)
    if (err instanceof AbortedError || !(last instanceof HarnessError)) throw err;
    throw new HarnessError(`${describeError(last)} (still, after ${raw.until!.timeoutMs} ms of trying)`, last.code);
  });
  return outcome!;
}

function runStep(step: RunbookStep, s: StepContext): Promise<StepOutcome> {
  switch (stepKind(step)) {
    case 'sql':
      return runSqlStep(step.sql!, s);
    case 'http':
      return runHttpStep(step.http!, s);
    case 'exec':
      return runExecStep(step.exec!, s);
    case 'host':
      return runHostStep(step.host!, s);
    case 'repoint':
      return runRepointStep(step.repoint!, s);
    case 'container':
      return runContainerStep(step.container!, s);
    case 'oneOff':
      return runOneOffStep(step.oneOff!, s);
    case 'upgrade':
      return runUpgradeStep(step.upgrade!, s);
    case 'ready':
      return runReadyStep(step.ready!, s);
    case 'proveWrite':
      return runProveWriteStep(step.proveWrite!, s);
  }
}

/** What checkers reason about: a promotion the step says it proved, and every repoint. */
function effectOf(step: RunbookStep): NewEffect | undefined {
  if (step.effect?.promoted) return { kind: 'promoted', container: step.effect.promoted };
  if (step.repoint) return { kind: 'repointed', link: step.repoint.link, container: step.repoint.to.container, port: step.repoint.to.port };
  return undefined;
}
