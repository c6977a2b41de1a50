import path from 'node:path';
import { z } from 'zod';
import { describeIssues, InvalidInputError } from '../errors.js';
import { readJsonFile } from '../stack/load-definition.js';
import { REPLICATION_MODES } from '../stack/reference-stack.js';

/**
 * A scenario file: which stack, how fast to replay, and the timeline (scenario milliseconds). Operator actions
 * are named (`"action": "failover"`) and resolved by the runner.
 */
export const scenarioSchema = z
  .object({
    name: z.string().min(1).default('scenario'),
    stack: z
      .object({
        /** replication mode of the reference stack (default async) */
        replication: z.enum(REPLICATION_MODES).optional(),
        /** a vendor stack definition (JSON file, relative to the scenario file), instead of the reference stack */
        definition: z.string().min(1).optional(),
      })
      .strict()
      .refine((s) => !(s.definition && s.replication), {
        message: 'replication is an option of the reference stack: leave it out with a definition',
        path: ['replication'],
      })
      .default({}),
    /** scenario time runs this many times faster than wall time (60: a scenario minute per wall second) */
    timeScale: z.number().positive().default(1),
    timeline: z.array(z.record(z.string(), z.unknown())).min(1),
    /** after healing, how long the stack may take to be back in its steady state */
    healTimeoutMs: z.number().int().positive().default(60_000),
  })
  .strict();
export type Scenario = z.output<typeof scenarioSchema>;

/** Reads and validates a scenario file; a stack definition it names is taken relative to the file. */
export async function loadScenario(file: string): Promise<Scenario> {
  const scenario = parseScenario(await readJsonFile(file, 'scenario'), `scenario ${file}`);
  const definition = scenario.stack.definition;
  if (definition !== undefined && !path.isAbsolute(definition)) {
    scenario.stack.definition = path.join(path.dirname(file), definition);
  }
  return scenario;
}

export function parseScenario(raw: unknown, where = 'scenario'): Scenario {
  const parsed = scenarioSchema.safeParse(raw);
  if (!parsed.success) {
    throw new InvalidInputError(`invalid ${where}:\n${describeIssues(parsed.error.issues).map((l) => `  - ${l}`).join('\n')}`);
  }
  return parsed.data;
}
