import { InvalidInputError } from '../errors.js';
import { parseReporterList } from '../reporters/reporter-names.js';
import { REPLICATION_MODES, type ReplicationMode } from '../stack/reference-stack.js';
import { explicitSettings, readJsonFile, resolveDefinition, withSettings } from '../stack/load-definition.js';
import { declaredOptions } from '../stack/options.js';
import type { StackDefinitionInput } from '../stack/definition.js';
import { allowHostCommandsFrom } from '../runbooks/host-commands.js';

/**
 * What `epj-chaos run` may change about an experiment without editing it: another stack (a vendor's definition
 * file, or a stack `epj-chaos stack up` left running), the reference stack's replication mode, the time scale,
 * where the journal goes, whether the stack is kept, the load's seed and how progress is shown. They travel as
 * environment variables, because the experiment runs in a mocha child process (harness/cli/commands/run.ts).
 */
export interface ExperimentOverrides {
  stackFile?: string;
  replication?: ReplicationMode;
  /** the stack's declared options set anew (`--set name=value`, harness/stack/options.ts), as typed */
  settings?: Record<string, string>;
  timeScale?: number;
  reportDir?: string;
  /** run on this running stack (its run id) instead of bringing one up; it is not taken down afterwards */
  attach?: string;
  /** leave the experiment's stack running after the run (brought up detached: no reaper removes it) */
  keepStack?: boolean;
  /** the load generator's seed (choice of patients and contents), so a run can be replayed */
  seed?: number;
  /** live progress: `tty` redraws a block, `plain` prints lines, `off` nothing (unset: the runner's default) */
  progress?: ProgressSetting;
  /** the reporters that render the run from its journal (harness/reporters/registry.ts; unset: every one) */
  reporters?: string[];
}

export const PROGRESS_SETTINGS = ['tty', 'plain', 'off'] as const;
export type ProgressSetting = (typeof PROGRESS_SETTINGS)[number];

export const OVERRIDE_ENV = {
  stackFile: 'EPJ_CHAOS_STACK',
  replication: 'EPJ_CHAOS_REPLICATION',
  settings: 'EPJ_CHAOS_SET',
  timeScale: 'EPJ_CHAOS_TIME_SCALE',
  reportDir: 'EPJ_CHAOS_REPORT_DIR',
  attach: 'EPJ_CHAOS_ATTACH',
  keepStack: 'EPJ_CHAOS_KEEP_STACK',
  seed: 'EPJ_CHAOS_SEED',
  progress: 'EPJ_CHAOS_PROGRESS',
  reporters: 'EPJ_CHAOS_REPORTERS',
} as const;

/** The largest seed: JSON numbers are exact up to 2^53 − 1 (epj-load reads it as a uint64). */
export const MAX_SEED = Number.MAX_SAFE_INTEGER;

export function overridesToEnv(o: ExperimentOverrides): Record<string, string> {
  const env: Record<string, string> = {};
  if (o.stackFile) env[OVERRIDE_ENV.stackFile] = o.stackFile;
  if (o.replication) env[OVERRIDE_ENV.replication] = o.replication;
  if (o.settings && Object.keys(o.settings).length > 0) env[OVERRIDE_ENV.settings] = JSON.stringify(o.settings);
  if (o.timeScale !== undefined) env[OVERRIDE_ENV.timeScale] = String(o.timeScale);
  if (o.reportDir) env[OVERRIDE_ENV.reportDir] = o.reportDir;
  if (o.attach) env[OVERRIDE_ENV.attach] = o.attach;
  if (o.keepStack) env[OVERRIDE_ENV.keepStack] = '1';
  if (o.seed !== undefined) env[OVERRIDE_ENV.seed] = String(o.seed);
  if (o.progress) env[OVERRIDE_ENV.progress] = o.progress;
  if (o.reporters) env[OVERRIDE_ENV.reporters] = o.reporters.join(',');
  return env;
}

/** A seed as typed (flag or variable): a whole number from 0 to 2^53 − 1; `what` names where it came from. */
export function parseSeed(value: string, what: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value) || !Number.isSafeInteger(n) || n > MAX_SEED) {
    throw new InvalidInputError(`${what} must be a whole number from 0 to ${MAX_SEED}, got '${value}'`);
  }
  return n;
}

/** A variable's value that must be one of `allowed`; another is bad input naming the variable and the choices. */
function oneOf<T extends string>(variable: string, what: string, value: string, allowed: readonly T[]): T {
  if (!(allowed as readonly string[]).includes(value)) throw new InvalidInputError(`${variable}: unknown ${what} '${value}'`, `one of ${allowed.join(', ')}`);
  return value as T;
}

export function overridesFromEnv(env: NodeJS.ProcessEnv = process.env): ExperimentOverrides {
  const o: ExperimentOverrides = {};
  const stack = env[OVERRIDE_ENV.stackFile];
  if (stack) o.stackFile = stack;
  const replication = env[OVERRIDE_ENV.replication];
  if (replication) o.replication = oneOf(OVERRIDE_ENV.replication, 'replication mode', replication, REPLICATION_MODES);
  const settings = env[OVERRIDE_ENV.settings];
  if (settings) o.settings = parseSettingsVariable(settings);
  const scale = env[OVERRIDE_ENV.timeScale];
  if (scale) {
    const n = Number(scale);
    if (!(n > 0) || !Number.isFinite(n)) throw new InvalidInputError(`${OVERRIDE_ENV.timeScale}: the time scale must be a positive number, got '${scale}'`);
    o.timeScale = n;
  }
  const reportDir = env[OVERRIDE_ENV.reportDir];
  if (reportDir) o.reportDir = reportDir;
  const attach = env[OVERRIDE_ENV.attach];
  if (attach) {
    if (!/^[a-z0-9]{4,16}$/.test(attach)) throw new InvalidInputError(`${OVERRIDE_ENV.attach}: '${attach}' is not a run id (4–16 lower-case letters or digits)`);
    const other = o.stackFile ? OVERRIDE_ENV.stackFile : o.replication ? OVERRIDE_ENV.replication : o.settings ? OVERRIDE_ENV.settings : undefined;
    if (other) throw new InvalidInputError(`${OVERRIDE_ENV.attach} cannot be combined with ${other}: the attached stack is already defined`);
    o.attach = attach;
  }
  const keep = env[OVERRIDE_ENV.keepStack];
  if (keep) {
    if (!['1', 'true'].includes(keep) && !['0', 'false'].includes(keep)) throw new InvalidInputError(`${OVERRIDE_ENV.keepStack}: use 1 or 0, got '${keep}'`);
    if (keep === '1' || keep === 'true') o.keepStack = true;
  }
  const seed = env[OVERRIDE_ENV.seed];
  if (seed) o.seed = parseSeed(seed, OVERRIDE_ENV.seed);
  const progress = env[OVERRIDE_ENV.progress];
  if (progress) o.progress = oneOf(OVERRIDE_ENV.progress, 'progress mode', progress, PROGRESS_SETTINGS);
  const reporters = env[OVERRIDE_ENV.reporters];
  if (reporters !== undefined) o.reporters = parseReporterList(reporters, OVERRIDE_ENV.reporters);
  return o;
}

/** `EPJ_CHAOS_SET`: the `--set` settings as a JSON object of strings. */
function parseSettingsVariable(text: string): Record<string, string> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    parsed = undefined;
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed) || Object.values(parsed).some((v) => typeof v !== 'string')) {
    throw new InvalidInputError(`${OVERRIDE_ENV.settings}: a JSON object of option names and values (strings), got '${text}'`);
  }
  return parsed as Record<string, string>;
}

/**
 * The stack an experiment runs on, after the overrides: an attached stack is what it is (its definition travels
 * with it); a definition file wins next; then the stack's options set anew — `--set`, and `--replication` as the
 * setting `replication` — keeping the experiment's own settings of the others.
 */
export async function stackWithOverrides(stack: StackDefinitionInput, o: ExperimentOverrides): Promise<StackDefinitionInput> {
  if (o.attach) return (await (await import('./stack-source.js')).attachableStack(o.attach)).definition;
  const settings = { ...o.settings, ...(o.replication ? { replication: o.replication } : {}) };
  if (o.stackFile) {
    // named on the command line (`--stack`, passed on as EPJ_CHAOS_STACK): its runbooks' host commands may run
    allowHostCommandsFrom(o.stackFile);
    const source = await readJsonFile(o.stackFile, 'stack definition');
    // what the experiment asked of its own stack (remote_apply, …) holds on this one too, where it has that option
    const declared = declaredOptions(source) ?? {};
    const carried = Object.fromEntries(Object.entries(await explicitSettings(stack)).filter(([name]) => declared[name] !== undefined));
    return resolveDefinition(source, { ...carried, ...settings }, { file: o.stackFile });
  }
  return withSettings(stack, settings);
}
