import type { z } from 'zod';
import { findContainer, startContainer, stopContainer } from '../../actions/support.js';
import type { containerStepSchema } from '../schema.js';
import type { StepContext, StepOutcome } from './step.js';

/** Starts or stops a container of the run, found by its labels; either is proven by Docker's own state. */
export async function runContainerStep(spec: z.infer<typeof containerStepSchema>, s: StepContext): Promise<StepOutcome> {
  const c = await findContainer(s.ctx.stack, spec.name);
  if (spec.do === 'start') {
    if (c.running) return { said: `${spec.name} already running` };
    await startContainer(s.ctx.stack, c);
    return { said: `${spec.name} running` };
  }
  if (!c.running) return { said: `${spec.name} was not running` };
  await stopContainer(c, spec.stopTimeoutSeconds);
  return { said: `${spec.name} stopped` };
}
