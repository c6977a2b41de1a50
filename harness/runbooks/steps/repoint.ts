import type { z } from 'zod';
import { repoint } from '../../actions/support.js';
import type { repointStepSchema } from '../schema.js';
import type { StepContext, StepOutcome } from './step.js';

/** Points a Toxiproxy link at another upstream and reads it back (harness/actions/support.ts). */
export async function runRepointStep(spec: z.infer<typeof repointStepSchema>, s: StepContext): Promise<StepOutcome> {
  await repoint(s.ctx.stack, spec.link, `${spec.to.container}:${spec.to.port}`);
  return { said: `${spec.link} → ${spec.to.container}:${spec.to.port}` };
}
