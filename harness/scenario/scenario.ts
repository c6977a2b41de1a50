import { readFile } from 'node:fs/promises';
import { z } from 'zod';
import { InvalidInputError } from '../errors.js';

/**
 * A scenario file: which stack, how fast to replay, and the timeline (scenario milliseconds). Operator actions
 * are named (`"action": "failover"`) and resolved by the runner.
 */
export const scenarioSchema = z
  .object({
    name: z.string().min(1).default('scenario'),
    stack: z
      .object({
        replication: z.string().default('async'),
        /** a vendor stack definition (JSON file), instead of the reference stack */
        definition: z.string().optional(),
      })
      .strict()
      .default({ replication: 'async' }),
    /** scenario time runs this many times faster than wall time (60: a scenario minute per wall second) */
    timeScale: z.number().positive().default(1),
    timeline: z.array(z.record(z.string(), z.unknown())).min(1),
    /** after healing, how long the stack may take to be back in its steady state */
    healTimeoutMs: z.number().int().positive().default(60_000),
  })
  .strict();
export type Scenario = z.output<typeof scenarioSchema>;

export async function loadScenario(file: string): Promise<Scenario> {
  let raw: unknown;
  try {
    raw = JSON.parse(await readFile(file, 'utf8'));
  } catch (err) {
    throw new InvalidInputError(`cannot read scenario ${file}: ${(err as Error).message}`);
  }
  return parseScenario(raw, file);
}

export function parseScenario(raw: unknown, where = 'scenario'): Scenario {
  const parsed = scenarioSchema.safeParse(raw);
  if (!parsed.success) {
    throw new InvalidInputError(`invalid ${where}:\n${parsed.error.issues.map((i) => `  - ${i.path.join('.') || '(root)'}: ${i.message}`).join('\n')}`);
  }
  return parsed.data;
}
