import type { z } from 'zod';
import { findContainer } from '../../actions/support.js';
import { runOneOff } from '../../docker/one-off.js';
import { HarnessError } from '../../errors.js';
import { siteNetwork } from '../../stack/names.js';
import type { oneOffStepSchema } from '../schema.js';
import type { StepContext, StepOutcome } from './step.js';

/**
 * A one-off container from a stack container's image, with its volumes, on its site's network (so it reaches the
 * other site through Toxiproxy as that site does), run to completion and removed on every exit path.
 */
export async function runOneOffStep(spec: z.infer<typeof oneOffStepSchema>, s: StepContext): Promise<StepOutcome> {
  const { stack } = s.ctx;
  const c = await findContainer(stack, spec.container);
  const result = await runOneOff(stack.docker, {
    run: stack.runId,
    image: c.image,
    purpose: `runbook-${spec.container}`,
    site: c.site,
    cmd: spec.command,
    env: spec.env,
    mounts: c.volumes.map((v) => ({ volume: v.name, target: v.target })),
    network: siteNetwork(stack.runId, c.site),
    timeoutMs: s.timeoutMs ?? 180_000,
    ...(s.ctx.signal ? { signal: s.ctx.signal } : {}),
  });
  if (result.exitCode !== 0) throw new HarnessError(`${spec.command.join(' ')} on ${spec.container}'s image and volumes exited ${result.exitCode}:\n${result.logs}`, 'runbook-step-failed');
  const last = result.logs.trim().split('\n').pop()?.trim();
  return { answer: { logs: result.logs }, said: `${spec.command.join(' ')} on ${spec.container}'s volumes: exit 0 in ${result.durationMs} ms${last ? ` (${last.slice(0, 160)})` : ''}` };
}
