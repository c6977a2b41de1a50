import { InvalidInputError } from '../errors.js';
import { REPLICATION_MODES, referenceStack, type ReplicationMode } from '../stack/reference-stack.js';
import { readJsonFile } from '../stack/load-definition.js';
import type { StackDefinitionInput } from '../stack/definition.js';

/**
 * What `epj-chaos run` may change about an experiment without editing it: another stack (a vendor's definition
 * file), the reference stack's replication mode, the time scale, where the journal goes. They travel as environment
 * variables, because the experiment runs in a mocha child process (harness/cli/commands/run.ts).
 */
export interface ExperimentOverrides {
  stackFile?: string;
  replication?: ReplicationMode;
  timeScale?: number;
  reportDir?: string;
}

export const OVERRIDE_ENV = {
  stackFile: 'EPJ_CHAOS_STACK',
  replication: 'EPJ_CHAOS_REPLICATION',
  timeScale: 'EPJ_CHAOS_TIME_SCALE',
  reportDir: 'EPJ_CHAOS_REPORT_DIR',
} as const;

export function overridesToEnv(o: ExperimentOverrides): Record<string, string> {
  const env: Record<string, string> = {};
  if (o.stackFile) env[OVERRIDE_ENV.stackFile] = o.stackFile;
  if (o.replication) env[OVERRIDE_ENV.replication] = o.replication;
  if (o.timeScale !== undefined) env[OVERRIDE_ENV.timeScale] = String(o.timeScale);
  if (o.reportDir) env[OVERRIDE_ENV.reportDir] = o.reportDir;
  return env;
}

export function overridesFromEnv(env: NodeJS.ProcessEnv = process.env): ExperimentOverrides {
  const o: ExperimentOverrides = {};
  const stack = env[OVERRIDE_ENV.stackFile];
  if (stack) o.stackFile = stack;
  const replication = env[OVERRIDE_ENV.replication];
  if (replication) {
    if (!(REPLICATION_MODES as readonly string[]).includes(replication)) {
      throw new InvalidInputError(`${OVERRIDE_ENV.replication}: unknown replication mode '${replication}'`, `one of ${REPLICATION_MODES.join(', ')}`);
    }
    o.replication = replication as ReplicationMode;
  }
  const scale = env[OVERRIDE_ENV.timeScale];
  if (scale) {
    const n = Number(scale);
    if (!(n > 0) || !Number.isFinite(n)) throw new InvalidInputError(`${OVERRIDE_ENV.timeScale}: the time scale must be a positive number, got '${scale}'`);
    o.timeScale = n;
  }
  const reportDir = env[OVERRIDE_ENV.reportDir];
  if (reportDir) o.reportDir = reportDir;
  return o;
}

/** The stack an experiment runs on, after the overrides: a definition file wins; a replication mode remakes the reference stack. */
export async function stackWithOverrides(stack: StackDefinitionInput, o: ExperimentOverrides): Promise<StackDefinitionInput> {
  if (o.stackFile) return (await readJsonFile(o.stackFile, 'stack definition')) as StackDefinitionInput;
  if (o.replication) {
    if (stack.name !== 'reference') throw new InvalidInputError(`--replication applies to the reference stack; this experiment runs on '${stack.name}'`);
    return referenceStack({ replication: o.replication });
  }
  return stack;
}
