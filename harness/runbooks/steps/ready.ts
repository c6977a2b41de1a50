import type { z } from 'zod';
import { HarnessError } from '../../errors.js';
import { waitReady } from '../../stack/readiness.js';
import type { readyStepSchema } from '../schema.js';
import type { StepContext, StepOutcome } from './step.js';

/** Waits for a container's ready check, as the definition gives it. */
export async function runReadyStep(spec: z.infer<typeof readyStepSchema>, s: StepContext): Promise<StepOutcome> {
  const { stack } = s.ctx;
  const c = stack.definition.containers.find((x) => x.name === spec.container);
  if (!c?.ready) throw new HarnessError(`${spec.container} has no ready check in the stack definition`, 'runbook-invalid');
  const ms = await waitReady(c.name, c.ready, (l) => stack.linkPort(l), { endpointOf: (l) => stack.linkEndpoint(l), ...(s.timeoutMs ? { timeoutMs: s.timeoutMs } : {}), ...(s.ctx.signal ? { signal: s.ctx.signal } : {}) });
  return { said: `${spec.container} ready (${c.ready.kind}) after ${ms} ms` };
}
