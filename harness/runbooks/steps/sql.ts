import type { z } from 'zod';
import { HarnessError } from '../../errors.js';
import { sql } from '../../actions/support.js';
import type { sqlStepSchema } from '../schema.js';
import { matches } from '../variables.js';
import type { StepContext, StepOutcome } from './step.js';

/** One statement on a fresh connection through an admin link; the first row must have the expected values. */
export async function runSqlStep(spec: z.infer<typeof sqlStepSchema>, s: StepContext): Promise<StepOutcome> {
  const rows = await sql<Record<string, unknown>>(s.ctx.stack, spec.link, spec.query, [], s.timeoutMs ?? 5000, { user: spec.user, database: spec.database });
  const first = rows[0] ?? {};
  if (spec.expect) {
    const miss = rows.length === 0 ? 'no row' : matches(first, spec.expect);
    if (miss) throw new HarnessError(`SQL on ${spec.link}: ${miss}`, 'runbook-expectation');
  }
  return { answer: first, said: `SQL on ${spec.link}` };
}
