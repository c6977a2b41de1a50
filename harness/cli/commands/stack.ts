import type { Argv, CommandModule } from 'yargs';
import { HarnessError } from '../../errors.js';
import { bundledDefinitionFile, bundledDefinitionSource, loadDefinition, resolveDefinition } from '../../stack/load-definition.js';
import { declaredOptions, optionValues, parseSetFlags, type OptionSettings } from '../../stack/options.js';
import { REFERENCE_STACK, REPLICATION_MODES } from '../../stack/reference-stack.js';
import { readFileSync } from 'node:fs';
import type { StartedStack } from '../../stack/started-stack.js';

interface UpArgs {
  replication?: string;
  set?: Record<string, string>;
  'epj-port'?: number;
  'lookup-port'?: number;
  'run-id'?: string;
  definition?: string;
}

/**
 * Flag values are checked here, before anything else runs, so a bad one is named as the flag the user typed
 * (`--epj-port`), not as the definition field it ends up in. A coerce function that throws is a usage error (exit 2).
 */
export function portFlag(flag: string) {
  return (value: unknown): number => {
    if (Array.isArray(value)) throw new Error(`--${flag} is given more than once`);
    const port = Number(value);
    if (!/^\d+$/.test(String(value)) || port < 1 || port > 65535) throw new Error(`--${flag} must be a port number from 1 to 65535, got '${value}'`);
    return port;
  };
}

export function runIdFlag(flag: string) {
  return (value: unknown): string => {
    if (Array.isArray(value)) throw new Error(`--${flag} is given more than once`);
    if (!/^[a-z0-9]{4,16}$/.test(String(value))) throw new Error(`--${flag} '${value}' is not a run id: use 4–16 lower-case letters or digits`);
    return String(value);
  };
}

/** A replication mode of the reference stack; a bad one is named with the modes there are. */
export function replicationFlag(flag: string) {
  return (value: unknown): string => {
    const mode = oneValue(flag)(value);
    if (!(REPLICATION_MODES as readonly string[]).includes(mode)) throw new Error(`--${flag}: unknown replication mode '${mode}' (use one of: ${REPLICATION_MODES.join(', ')})`);
    return mode;
  };
}

/**
 * `--set name=value`, given as often as needed: the stack's declared options (harness/stack/options.ts). Whether
 * the stack has such an option, and whether the value fits it, is checked against the definition.
 */
export function setFlag(flag = 'set') {
  return (value: unknown): Record<string, string> => {
    const values = (Array.isArray(value) ? value : [value]).map(String);
    try {
      return parseSetFlags(values, `--${flag}`);
    } catch (err) {
      throw new Error((err as Error).message);
    }
  };
}

export const SET_FLAG_HELP = "set an option the stack definition declares, as name=value (again for more); `epj-chaos stack definition` lists the reference stack's";

export function oneValue(flag: string) {
  return (value: unknown): string => {
    if (Array.isArray(value)) throw new Error(`--${flag} is given more than once`);
    return String(value);
  };
}

const up: CommandModule<object, UpArgs> = {
  command: 'up',
  describe: 'Bring a stack up and leave it running (the reference two-site stack unless --definition)',
  builder: (y) =>
    y
      .option('replication', { type: 'string', requiresArg: true, coerce: replicationFlag('replication'), describe: `replication mode of the reference stack: ${REPLICATION_MODES.join(' | ')} (default async)` })
      .option('epj-port', { type: 'string', requiresArg: true, coerce: portFlag('epj-port'), describe: 'fixed 127.0.0.1 port for the EPJ front door (default: a free one)' })
      .option('lookup-port', { type: 'string', requiresArg: true, coerce: portFlag('lookup-port'), describe: 'fixed 127.0.0.1 port for the Opslags-EPJ front door' })
      .option('run-id', { type: 'string', requiresArg: true, coerce: runIdFlag('run-id'), describe: 'run id to use (4–16 lower-case letters/digits; default random)' })
      .option('definition', { type: 'string', requiresArg: true, coerce: oneValue('definition'), describe: 'a vendor stack definition (JSON) instead of the reference stack' })
      .option('set', { type: 'string', requiresArg: true, coerce: setFlag(), describe: SET_FLAG_HELP })
      .check((a) => {
        if (a['epj-port'] !== undefined && a['epj-port'] === a['lookup-port']) throw new Error(`--epj-port and --lookup-port are both ${a['epj-port']}: the two front doors need two ports`);
        return true;
      }),
  handler: async (args) => {
    // the engine is loaded here, not with the flags: a usage error is found without it (harness/cli/main.ts)
    const [{ allowHostCommandsFrom }, { upStack }, { defaultProgressMode }, { abortOnSignals }] = await Promise.all([
      import('../../runbooks/host-commands.js'),
      import('../../stack/up.js'),
      import('../../util/progress.js'),
      import('../interrupt.js'),
    ]);
    // named on the command line: its runbooks' host commands may run (harness/runbooks/host-commands.ts)
    if (args.definition) allowHostCommandsFrom(args.definition);
    // the named flags are settings of options too: a vendor's definition that does not declare them refuses them
    const def = await loadDefinition(args.definition, {
      ...args.set,
      ...(args.replication !== undefined ? { replication: args.replication } : {}),
      ...(args['epj-port'] !== undefined ? { epjPort: args['epj-port'] } : {}),
      ...(args['lookup-port'] !== undefined ? { lookupPort: args['lookup-port'] } : {}),
    });
    const interrupt = abortOnSignals();
    try {
      const stack = await upStack(def, { runId: args['run-id'], detached: true, signal: interrupt.signal, progress: defaultProgressMode() });
      printEndpoints(stack);
      console.log(`\nrun id: ${stack.runId}    (epj-chaos stack down --run ${stack.runId})`);
    } finally {
      interrupt.dispose();
    }
  },
};

interface StatusArgs {
  run?: string;
  json: boolean;
}

const status: CommandModule<object, StatusArgs> = {
  command: 'status',
  describe: 'Show running stacks, their containers and endpoints',
  builder: (y) =>
    y
      .option('run', { type: 'string', requiresArg: true, coerce: runIdFlag('run'), describe: 'only this run' })
      .option('json', { type: 'boolean', default: false, describe: 'print endpoints as JSON' }),
  handler: async (args) => {
    const [{ connectDocker }, { listRuns }, { StartedStack }] = await Promise.all([import('../../docker/client.js'), import('../../docker/reaper.js'), import('../../stack/started-stack.js')]);
    const docker = await connectDocker();
    const runs = (await listRuns(docker)).filter((r) => !args.run || r.run === args.run);
    if (args.run && runs.length === 0) throw new HarnessError(`no stack with run id '${args.run}'`, 'no-such-run');
    const stacks = [];
    for (const r of runs) {
      try {
        const stack = await StartedStack.attach(r.run, docker);
        stacks.push({ stack, containers: await stack.containers() });
      } catch {
        stacks.push({ stack: undefined, containers: [], summary: r });
      }
    }
    if (args.json) {
      console.log(JSON.stringify(stacks.map((s) => (s.stack ? { ...s.stack.endpoints, containers: s.containers } : { run: s.summary?.run, incomplete: true })), null, 2));
      return;
    }
    if (stacks.length === 0) console.log('no epj-chaos stacks are running');
    for (const s of stacks) {
      if (!s.stack) {
        console.log(`run ${s.summary?.run}: incomplete leftovers (remove with: epj-chaos clean)`);
        continue;
      }
      printEndpoints(s.stack);
      for (const c of s.containers) console.log(`  ${c.name.padEnd(10)} site ${c.site.padEnd(8)} ${c.role.padEnd(12)} ${c.state}`);
      console.log('');
    }
  },
};

interface DownArgs {
  run?: string;
}

const down: CommandModule<object, DownArgs> = {
  command: 'down',
  describe: 'Remove a stack: its containers, networks and volumes',
  builder: (y) => y.option('run', { type: 'string', requiresArg: true, coerce: runIdFlag('run'), describe: 'run id (may be left out when one stack runs)' }),
  handler: async (args) => {
    const [{ connectDocker }, { listRuns, removeRun }] = await Promise.all([import('../../docker/client.js'), import('../../docker/reaper.js')]);
    const docker = await connectDocker();
    let run = args.run;
    if (!run) {
      const runs = await listRuns(docker);
      if (runs.length === 0) throw new HarnessError('no epj-chaos stack is running', 'no-such-run');
      if (runs.length > 1) throw new HarnessError(`${runs.length} stacks are running: name one with --run`, 'ambiguous', runs.map((r) => r.run).join(', '));
      run = runs[0]!.run;
    } else if (!(await listRuns(docker)).some((r) => r.run === run)) {
      throw new HarnessError(`no stack with run id '${run}'`, 'no-such-run', 'see `epj-chaos stack status`');
    }
    await removeRun(docker, run);
    console.log(`run ${run} removed`);
  },
};

interface DefinitionArgs {
  replication?: string;
  set?: Record<string, string>;
  resolved?: boolean;
}

const definition: CommandModule<object, DefinitionArgs> = {
  command: 'definition',
  describe: 'Print the reference stack\'s definition file (JSON, with its options): the starting point for your own',
  builder: (y) =>
    y
      .option('replication', { type: 'string', requiresArg: true, coerce: replicationFlag('replication'), describe: `replication mode of the reference stack: ${REPLICATION_MODES.join(' | ')} (default async)` })
      .option('set', { type: 'string', requiresArg: true, coerce: setFlag(), describe: 'print it with this option\'s default changed, as name=value (again for more)' })
      .option('resolved', { type: 'boolean', describe: 'print the definition with its options applied: plain data, as a run records it' })
      .epilogue(
        [
          'Save it (epj-chaos stack definition > my-stack.json), edit it, and bring your stack up with',
          '`epj-chaos stack up --definition my-stack.json`, or run experiments on it with `epj-chaos run --stack',
          'my-stack.json`.\n\n' +
          'What to edit: the name (it is no longer the reference stack); sites (id, name); containers — your images',
          '(the epj-chaos/* ones are this project\'s, built by `epj-chaos images build`), env, command, volumes and',
          'ready checks, keeping the roles (db-primary, db-replica, epj, epj-standby, lookup, integration-engine),',
          'since faults, probes and operator actions find components by role; links — every connection that should',
          'pass through Toxiproxy (kind, the listenPort containers dial as toxiproxy:PORT, the upstream container and',
          'port, and publish for what the harness reaches from the host: front doors and admin links); functions —',
          'which published front door serves each clinical function. Fields are strict (a misspelt one is refused);',
          'the schema, with defaults for what is left out, is harness/stack/definition.ts. Options: declare what a',
          'run may change (`options`, each typed with a default), refer to one as "${name}", and keep or drop list',
          'elements with {"$when": {...}, "$then": [...]}; set them with --set name=value (docs/stack-definitions.md).',
        ].join(' '),
      ),
  handler: async (args) => {
    const settings = { ...args.set, ...(args.replication !== undefined ? { replication: args.replication } : {}) };
    process.stdout.write(args.resolved ? resolvedReferenceText(settings) : referenceDefinitionText(settings));
  },
};

/**
 * The reference stack's definition file (fixtures/stacks/reference.json) as it is, or with the defaults of the
 * options set here changed: saved and loaded again it is the same stack as the reference with those settings
 * (test/unit/stack-definition-command.test.ts).
 */
export function referenceDefinitionText(settings: OptionSettings = {}): string {
  const given = Object.entries(settings).filter(([, v]) => v !== undefined);
  if (given.length === 0) return readFileSync(bundledDefinitionFile(REFERENCE_STACK), 'utf8');
  const source = bundledDefinitionSource(REFERENCE_STACK) as { name: string; options: Record<string, { default: unknown }> };
  const values = optionValues(declaredOptions(source)!, settings, source.name);
  for (const [name] of given) source.options[name]!.default = values[name];
  return `${JSON.stringify(source, null, 2)}\n`;
}

/** The reference stack with its options applied: the plain data a run records in its journal. */
export function resolvedReferenceText(settings: OptionSettings = {}): string {
  const def = resolveDefinition(bundledDefinitionSource(REFERENCE_STACK), settings, { bundled: REFERENCE_STACK });
  return `${JSON.stringify(def, null, 2)}\n`;
}

function printEndpoints(stack: StartedStack) {
  const e = stack.endpoints;
  console.log(`stack ${e.stack}, run ${e.run}`);
  for (const [fn, url] of Object.entries(e.functions)) console.log(`  ${fn.padEnd(18)} ${url}`);
  console.log(`  ${'toxiproxy api'.padEnd(18)} ${e.toxiproxyApi}`);
}

export const stackCommand: CommandModule = {
  command: 'stack',
  describe: 'Bring a two-site EPJ stack up, show it, take it down, or print its definition',
  builder: (y: Argv) => y.command(up).command(status).command(down).command(definition).demandCommand(1, 'name a stack command: up, status, down or definition'),
  handler: () => {},
};
