import { failback, failover, startLookup, stopLookup, type OperatorAction } from '../actions/index.js';
import { InvalidInputError } from '../errors.js';
import type { StackDefinition } from '../stack/definition.js';
import { FaultInjector } from '../faults/injector.js';
import { Clock } from '../history/clock.js';
import { History } from '../history/history.js';
import { exitSignal, onSignalExit } from '../lifecycle/exit-guard.js';
import { loadDefinition } from '../stack/load-definition.js';
import type { StartedStack } from '../stack/started-stack.js';
import { upStack } from '../stack/up.js';
import { Timeline } from '../timeline/timeline.js';
import { collectContainerLogs, type ContainerLog } from '../reporters/container-logs.js';
import type { ProgressMode } from '../util/progress.js';
import { targetProblems } from './check-targets.js';
import type { Scenario } from './scenario.js';

const ACTIONS: Record<string, () => OperatorAction> = {
  failover,
  failback,
  'start-lookup': startLookup,
  'stop-lookup': stopLookup,
};

export interface ScenarioOutcome {
  history: History;
  runId?: string;
  status: 'completed' | 'failed' | 'interrupted';
  error?: unknown;
  /** after healing: did every component pass its readiness check again? */
  steadyAfterHeal: { ok: boolean; detail: string };
  /** the containers' logs from their start, scrubbed, read before the stack went down */
  containerLogs?: ContainerLog[];
}

/**
 * The run skeleton (as chaostoolkit's): check the plan → bring the stack up (a sick stack is not experimented on:
 * `up` only returns a stack whose every readiness check passed) → run the timeline → heal every fault (always) →
 * check the steady state came back → take the stack down (always). SIGINT/SIGTERM heal and tear down too.
 */
export async function runScenario(
  scenario: Scenario,
  opts: { progress?: ProgressMode; onHistory?: (h: History) => void; source?: string } = {},
): Promise<ScenarioOutcome> {
  const { timeline, def } = await planScenario(scenario, opts.source);
  const signal = exitSignal();

  const starting = upStack(def, { signal, progress: opts.progress });
  const unregisterDown = onSignalExit('take the stack down', async () => (await starting.catch(() => undefined))?.down());
  let stack: StartedStack | undefined;
  let history = new History(new Clock(scenario.timeScale));
  const outcome: ScenarioOutcome = { history, status: 'completed', steadyAfterHeal: { ok: false, detail: 'not checked' } };
  try {
    stack = await starting;
    // scenario time 0 = the timeline's start, once the stack is up
    outcome.history = history = new History(new Clock(scenario.timeScale));
    opts.onHistory?.(history);
    outcome.runId = stack.runId;
    history.record({ kind: 'note', message: `stack ${stack.definition.name} up (run ${stack.runId}); steady state holds` });
    const injector = await FaultInjector.start({ stack, history, signal });
    try {
      await timeline.run(injector, { signal });
    } catch (err) {
      outcome.status = signal.aborted ? 'interrupted' : 'failed';
      outcome.error = err;
    } finally {
      await injector.close();
    }
    if (!signal.aborted) {
      try {
        const ms = await stack.awaitHealthy(scenario.healTimeoutMs, signal);
        outcome.steadyAfterHeal = { ok: true, detail: `every component ready again ${ms} ms after healing` };
      } catch (err) {
        outcome.steadyAfterHeal = { ok: false, detail: err instanceof Error ? err.message : String(err) };
      }
      history.record({ kind: 'note', message: `steady state after heal: ${outcome.steadyAfterHeal.detail}` });
    }
  } finally {
    // what the containers said, read while they still exist (the journal and its logs are written by the caller)
    if (stack) outcome.containerLogs = await collectContainerLogs(stack, 0);
    await stack?.down();
    unregisterDown();
  }
  return outcome;
}

/**
 * Everything that can be checked without Docker, checked before anything is created: the timeline (steps, fault
 * kinds and parameters, heals, operator actions), the stack definition, and every fault target against it.
 * `source` (the scenario file) prefixes the message.
 */
export async function planScenario(scenario: Scenario, source = 'scenario'): Promise<{ timeline: Timeline; def: StackDefinition }> {
  try {
    const timeline = Timeline.plan(resolveActions(scenario.timeline));
    const def = await loadDefinition(scenario.stack.definition, { replication: scenario.stack.replication });
    const problems = scenario.timeline.flatMap((step, i) => {
      const name = (step.inject as { name?: unknown } | undefined)?.name;
      const fault = typeof name === 'string' ? timeline.fault(name) : undefined;
      return fault ? targetProblems(fault, def).map((p) => `step ${i + 1} (inject '${name}'): ${p}`) : [];
    });
    if (problems.length > 0) throw new InvalidInputError(`fault targets that stack '${def.name}' does not have:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    return { timeline, def };
  } catch (err) {
    if (err instanceof InvalidInputError) throw new InvalidInputError(`${source}: ${err.message}`, err.hint);
    throw err;
  }
}

function resolveActions(steps: Record<string, unknown>[]): Record<string, unknown>[] {
  const unknown = steps.flatMap((step, i) => (typeof step.action === 'string' && !ACTIONS[step.action] ? [`step ${i + 1}: action: unknown operator action '${step.action}'`] : []));
  if (unknown.length > 0) throw new InvalidInputError(`invalid timeline:\n${unknown.map((p) => `  - ${p}`).join('\n')}`, `known actions: ${Object.keys(ACTIONS).join(', ')}`);
  return steps.map((step) => (typeof step.action === 'string' ? { ...step, action: ACTIONS[step.action]!() } : step));
}
