import { replicationModeOf } from '../probes/replication-mode.js';
import { createFault } from '../faults/registry.js';
import { targetsOf } from '../scenario/check-targets.js';
import { parseStackDefinition, type StackDefinition } from '../stack/definition.js';
import { Timeline } from '../timeline/timeline.js';
import { formatScenarioDuration } from './duration.js';
import { stackWithOverrides, type ExperimentOverrides } from './overrides.js';
import type { DeclaredExperiment } from './registry.js';
import { clientsNobodyToldDoor, k6ScriptOf } from './run.js';
import { planTimeline } from './timeline.js';
import { missingRunbooks } from '../runbooks/run-runbook.js';
import { InvalidInputError } from '../errors.js';
import { checkCredentials } from '../fhir/link-credentials.js';

/**
 * The plan of an experiment, in words, with nothing started (`epj-chaos run --dry-run`): the stack, the timeline on
 * both clocks, what each fault will touch, and the checks. Everything `run` would refuse is refused here too.
 */
export async function describePlan(e: DeclaredExperiment, overrides: ExperimentOverrides = {}, file?: string): Promise<string[]> {
  const { spec } = e;
  // a k6 load's script and k6 itself, found before anything starts
  const k6Script = spec.load?.k6 ? await k6ScriptOf(spec.load.k6.script, file) : undefined;
  const def = parseStackDefinition(await stackWithOverrides(spec.stack, overrides));
  checkCredentials(def);
  const scale = overrides.timeScale ?? spec.timeScale;
  const plan = planTimeline(spec.timeline);
  Timeline.plan(plan.steps);
  const missing = missingRunbooks(plan.steps.map((s) => s.action), def);
  if (missing.length > 0) throw new InvalidInputError(missing.join('; '), 'add the runbook to the stack definition (docs/stack-definitions.md), or run on a stack that has it');
  const wall = (scenarioMs: number) => `+${(scenarioMs / scale / 1000).toFixed(3)} s`;
  const lines = [
    `experiment: ${e.title}`,
    `stack: ${def.name} (replication ${replicationModeOf(def)})`,
    ...(def.template ? [`  options: ${Object.entries(def.template.options).map(([k, v]) => `${k}=${String(v)}`).join(', ')}`] : []),
    ...(def.loadScale !== 1 ? [`  load scale: ${def.loadScale}× the experiment's profile`] : []),
    ...(def.warmUpMs > 0 ? [`  warm-up: the load runs ${(def.warmUpMs / 1000).toFixed(1)} s before the steady state is judged`] : []),
    ...runbookLines(def),
    ...authLines(def),
    ...def.sites.map((s) => `  site ${s.id} (${s.name}): ${def.containers.filter((c) => c.site === s.id).map((c) => `${c.name} [${c.role}]`).join(', ')}`),
    `time scale: ${scale}× (one scenario minute = ${(60 / scale).toFixed(3)} s of wall time)`,
    `steady state before injecting: ${spec.steadyState?.functions ?? 'all'} ≥ ${((spec.steadyState?.atLeast ?? 0.99) * 100).toFixed(2)} % for ${spec.steadyState?.for ?? '1 min'}`,
    // the wall column counts scripted waits only: the stack's own work (a kill, a boot, a failover) runs 1:1 and
    // pushes every later step back by its real duration (harness/history/clock.ts)
    'timeline (scenario | wall after the gate, before the real duration of the stack\'s work is added):',
  ];
  for (const s of plan.steps) {
    const what: string[] = [];
    if (s.phase) what.push(s.phaseWhenApplied ? `phase '${s.phase}' (from where '${s.phaseWhenApplied}' takes hold)` : `phase '${s.phase}'`);
    if (s.inject) {
      const { name, ...fault } = s.inject;
      what.push(`inject '${name}': ${fault.kind} → ${targetsOf(createFault(fault as { kind: string }), def).join(', ')}`);
    }
    if (s.heal) what.push(`heal '${s.heal}'`);
    if (s.action) what.push(`operator action ${s.action.name}`);
    lines.push(`  ${formatScenarioDuration(s.at).padEnd(14)} | ${wall(s.at).padEnd(11)} ${what.join('; ')}`);
  }
  lines.push(`  ${formatScenarioDuration(plan.endMs).padEnd(14)} | ${wall(plan.endMs).padEnd(11)} end`);
  const k6 = spec.load?.k6;
  if (k6) {
    const promised = Object.entries(k6.rates ?? {}).map(([fn, r]) => `${fn} ${r}/s`);
    lines.push(`load: your k6 script ${k6Script ?? k6.script} (docs/k6.md)${promised.length ? `, promising ${promised.join(', ')}` : ', no rates promised: counts are not checked'}`);
  }
  const staleDoor = clientsNobodyToldDoor(spec, def);
  if (staleDoor) lines.push(`clients nobody told: ${((spec.load?.clientsNobodyTold ?? 0) * 100).toFixed(0)} % more writes straight to ${staleDoor.upstream.container} through ${staleDoor.name}, which no failover repoints`);
  if (spec.abortWhen?.length) lines.push(`abort when: ${spec.abortWhen.map((a) => a.description).join('; ')}`);
  lines.push('checks:', ...Object.entries(spec.checks).map(([name, c]) => `  ${name}: ${c.expectation}`));
  return lines;
}

/** How the harness authenticates to each link that has `auth`: names and paths, never a token. */
function authLines(def: StackDefinition): string[] {
  return def.links.flatMap((l) => {
    if (!l.auth) return [];
    const { bearerTokenEnv, tls } = l.auth;
    const how = [
      ...(tls ? [`https${tls.servername ? ` (server name ${tls.servername})` : ''}`] : []),
      ...(bearerTokenEnv ? [`bearer token from $${bearerTokenEnv}`] : []),
      ...(tls?.ca ? [`CA ${tls.ca}`] : []),
      ...(tls?.cert ? [`client certificate ${tls.cert}`] : []),
    ];
    return [`  link ${l.name}: ${how.join(', ')}`];
  });
}

/**
 * The runbooks the stack brings, one line each, and every command one of them would run on this machine, in full:
 * a host command is never run unseen (harness/runbooks/host-commands.ts).
 */
function runbookLines(def: StackDefinition): string[] {
  const books = Object.entries(def.runbooks);
  if (books.length === 0) return ['  runbooks: none (operator actions cannot run on this stack)'];
  const lines = [`  runbooks: ${books.map(([name, r]) => `${name} (${r.steps.length} step${r.steps.length === 1 ? '' : 's'})`).join(', ')}`];
  for (const [name, r] of books) {
    r.steps.forEach((s, i) => {
      if (s.host) lines.push(`  host command, runbook '${name}' step ${i + 1} '${s.name}': ${s.host.command.map((a) => (/\s/.test(a) ? JSON.stringify(a) : a)).join(' ')}`);
    });
  }
  return lines;
}
