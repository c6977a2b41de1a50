import type { CommandModule } from 'yargs';
import type { HistoryEvent } from '../../history/events.js';
import { HarnessError, InvalidInputError, describeError } from '../../errors.js';
import { parseReporterList, reporterNames } from '../../reporters/reporter-names.js';
import { spawn } from 'node:child_process';
import path from 'node:path';
import { EXIT } from '../../errors.js';
import { OVERRIDE_ENV, overridesToEnv, parseSeed, PROGRESS_SETTINGS, type ExperimentOverrides, type ProgressSetting } from '../../experiment/overrides.js';
import { PROJECT_ROOT } from '../../images/catalog.js';
import { oneValue, replicationFlag, runIdFlag, SET_FLAG_HELP, setFlag } from './stack.js';

interface Args {
  files?: string[];
  grep?: string;
  stack?: string;
  replication?: string;
  set?: Record<string, string>;
  'time-scale'?: number;
  'report-dir'?: string;
  'dry-run'?: boolean;
  'keep-stack'?: boolean;
  attach?: string;
  seed?: number;
  reporter?: string[];
  baseline?: string;
  repeat?: number;
}

export const runCommand: CommandModule<object, Args> = {
  command: 'run [files..]',
  describe:
    'Run experiments (*.experiment.ts; default: the whole library in experiments/), or one scenario JSON file: up, load, gate, timeline, heal, checks, journal in reports/, down',
  builder: (y) =>
    y
      .positional('files', { type: 'string', array: true, describe: 'experiment files (.ts as they are, or compiled .js), or one scenario .json' })
      .option('grep', { type: 'string', describe: 'only the checks whose name (or experiment title) matches', coerce: oneValue('grep') })
      .option('stack', { type: 'string', describe: 'run on this stack definition (JSON) instead of the experiment\'s own', coerce: oneValue('stack') })
      .option('replication', { type: 'string', describe: 'the stack\'s replication mode (the option `replication`, as the reference stack declares it)', coerce: replicationFlag('replication') })
      .option('set', { type: 'string', requiresArg: true, coerce: setFlag(), describe: SET_FLAG_HELP })
      .option('time-scale', { type: 'number', describe: 'scenario time runs this many times faster during scripted waits', coerce: timeScaleFlag })
      .option('report-dir', { type: 'string', describe: 'where journals go (default reports/)', coerce: oneValue('report-dir') })
      .option('dry-run', { type: 'boolean', describe: 'print the plan — stack, timeline on both clocks, what each fault touches, the checks — and start nothing' })
      .option('keep-stack', { type: 'boolean', describe: 'leave the experiment\'s stack running afterwards (its run id and the `stack down` command are printed); one experiment only' })
      .option('attach', { type: 'string', requiresArg: true, coerce: runIdFlag('attach'), describe: 'run on the stack `epj-chaos stack up` left running with this run id, instead of the experiment\'s own; it is left running' })
      .option('seed', { type: 'string', requiresArg: true, coerce: seedFlag, describe: 'seed of the load (which patients, what contents), to replay a run' })
      .option('repeat', { type: 'string', requiresArg: true, coerce: repeatFlag, describe: 'run the experiments N times (1–20), so a comparison sees the run-to-run noise: medians and spreads (docs/compare.md)' })
      .option('baseline', { type: 'string', requiresArg: true, coerce: oneValue('baseline'), describe: 'then compare this run with a stored one (a run or reports directory, e.g. the release in production): exit 1 when something got worse (docs/compare.md)' })
      .option('reporter', { type: 'string', requiresArg: true, coerce: reporterFlag, describe: `reports written beside each journal, comma-separated (default: all of ${reporterNames().join(', ')}; docs/reports.md)` })
      .check((a) => {
        const files = a.files ?? [];
        const json = files.filter((f) => f.endsWith('.json'));
        if (json.length > 0 && files.length > 1) return 'a scenario .json runs alone: name one scenario file, or experiment files only';
        const other = files.filter((f) => !/\.(json|ts|js|mjs)$/.test(f));
        if (other.length > 0) return `'${other[0]}' is neither an experiment (.ts, .js) nor a scenario (.json)`;
        if (json.length > 0 && (a.grep || a.stack || a.set || a['time-scale'] !== undefined || a['dry-run'])) return '--grep, --stack, --set, --time-scale and --dry-run apply to experiments, not to a scenario .json';
        if (json.length > 0 && (a.baseline || a.repeat !== undefined)) return '--baseline and --repeat apply to experiments, not to a scenario .json';
        if (a.repeat !== undefined && a.repeat > 1 && (a['keep-stack'] || a.seed !== undefined)) return `--repeat does not go together with --${a['keep-stack'] ? 'keep-stack' : 'seed'}: repeats are independent runs`;
        if (json.length > 0 && (a['keep-stack'] || a.attach || a.seed !== undefined)) return '--keep-stack, --attach and --seed apply to experiments, not to a scenario .json';
        for (const other of ['stack', 'replication', 'set', 'keep-stack'] as const) {
          if (a.attach && a[other]) return `--attach and --${other} do not go together: ${other === 'keep-stack' ? 'an attached stack is never taken down' : 'the attached stack is already defined'}`;
        }
        return true;
      }),
  handler: async (args) => {
    const files = args.files ?? [];
    if (files.length === 1 && files[0]!.endsWith('.json')) return runScenarioFile(files[0]!, args.reporter);
    const overrides: ExperimentOverrides = {
      ...(args.stack ? { stackFile: args.stack } : {}),
      ...(args.replication ? { replication: args.replication as ExperimentOverrides['replication'] } : {}),
      ...(args.set ? { settings: args.set } : {}),
      ...(args['time-scale'] !== undefined ? { timeScale: args['time-scale'] } : {}),
      // with a baseline, this run's journals go to a directory of their own, which is then compared as a whole
      ...(args['report-dir'] ? { reportDir: path.resolve(args['report-dir']) } : args.baseline ? { reportDir: defaultRunDir() } : {}),
      ...(args['keep-stack'] ? { keepStack: true } : {}),
      ...(args.attach ? { attach: args.attach } : {}),
      ...(args.seed !== undefined ? { seed: args.seed } : {}),
      ...(args.reporter ? { reporters: args.reporter } : {}),
      progress: progressSetting(),
    };
    // the engine is loaded here, not with the flags: a usage error is found without it (harness/cli/main.ts)
    const [{ describePlan }, { libraryFiles, loadExperimentFiles }, { attachableStack }, { journalsOf }] = await Promise.all([
      import('../../experiment/dry-run.js'),
      import('../../experiment/load.js'),
      import('../../experiment/stack-source.js'),
      import('../../reporters/journal-files.js'),
    ]);
    const chosen = files.length > 0 ? files : libraryFiles();
    // every file loads and every plan holds before anything starts: bad input is exit 2 with nothing created
    const loaded = await loadExperimentFiles(chosen);
    const count = loaded.reduce((n, l) => n + l.experiments.length, 0);
    if (args['keep-stack'] && count > 1) {
      throw new InvalidInputError(`--keep-stack keeps one experiment's stack, but ${count} experiments would run (and leave ${count} stacks)`, 'name one experiment file');
    }
    if (args.attach) {
      // the only check that needs Docker, after every file loaded: a run id with no stack starts nothing
      await attachableStack(args.attach).catch((err: unknown) => {
        if (err instanceof HarnessError) throw new HarnessError(`--attach: ${err.message}`, err.code, err.hint);
        throw err;
      });
    }
    const plans = await Promise.all(
      loaded.flatMap((l) =>
        l.experiments.map((e) =>
          describePlan(e, overrides, l.file).catch((err: unknown) => {
            // name the file: the plan's own message names only the step or field at fault
            if (err instanceof HarnessError) throw new InvalidInputError(`experiment file ${l.file} ('${e.title}'): ${err.message}`, err.hint);
            throw err;
          }),
        ),
      ),
    );
    if (args['dry-run']) {
      console.log(plans.map((p) => p.join('\n')).join('\n\n'));
      return;
    }
    // a baseline that holds no journal is bad input, found before anything starts
    if (args.baseline) await journalsOf(args.baseline);
    // repeats are independent runs (a fresh stack and seed each), their journals side by side for the comparison
    let code: number = EXIT.ok;
    for (let i = 1; i <= (args.repeat ?? 1); i++) {
      if ((args.repeat ?? 1) > 1) console.error(`repeat ${i} of ${args.repeat}`);
      const one = await runExperimentsInMocha(loaded.map((l) => path.resolve(l.file)), overrides, args.grep);
      if (one !== EXIT.ok && one !== EXIT.failed) {
        code = one; // interrupted or a harness error: no more repeats
        break;
      }
      code = Math.max(code, one);
    }
    process.exitCode = code;
    if (args.baseline && (code === EXIT.ok || code === EXIT.failed)) {
      const [{ compareTargets, regressions }, { compareSummary }, { writeComparison }] = await Promise.all([
        import('../../compare/compare.js'),
        import('../../compare/console.js'),
        import('../../compare/write.js'),
      ]);
      const comparison = await compareTargets(args.baseline, overrides.reportDir!);
      const written = await writeComparison(comparison, path.join(overrides.reportDir!, 'compare'));
      for (const line of compareSummary(comparison)) console.log(line);
      console.log(`comparison with ${args.baseline}: ${written.join(', ')}`);
      if (regressions(comparison).length > 0) process.exitCode = EXIT.failed;
    }
  },
};

/** reports/run-<UTC stamp>/: one invocation's journals, kept together to be compared with a baseline */
function defaultRunDir(now = new Date()): string {
  return path.join(PROJECT_ROOT, 'reports', `run-${now.toISOString().replace(/[:.]/g, '-')}`);
}

/** `--reporter html,junit`: known names only (a usage error names the unknown one and the known ones). */
export function reporterFlag(value: unknown): string[] {
  if (Array.isArray(value)) throw new Error('--reporter is given more than once: name them comma-separated');
  try {
    return parseReporterList(String(value), '--reporter');
  } catch (err) {
    const e = err as HarnessError;
    throw new Error(`${e.message}${e.hint ? ` (${e.hint})` : ''}`);
  }
}

export function repeatFlag(value: unknown): number {
  if (Array.isArray(value)) throw new Error('--repeat is given more than once');
  const n = Number(value);
  if (!/^\d+$/.test(String(value)) || n < 1 || n > 20) throw new Error(`--repeat must be a whole number from 1 to 20, got '${String(value)}'`);
  return n;
}

export function seedFlag(value: unknown): number {
  if (Array.isArray(value)) throw new Error('--seed is given more than once');
  try {
    return parseSeed(String(value), '--seed');
  } catch (err) {
    throw new Error((err as Error).message);
  }
}

/**
 * How the experiment shows live progress (harness/reporters/live-progress.ts): a redrawn block when this process's
 * stderr is a terminal (the mocha child inherits it), plain lines otherwise (CI, pipes). EPJ_CHAOS_PROGRESS, when
 * set to tty, plain or off, wins.
 */
function progressSetting(): ProgressSetting {
  const given = process.env[OVERRIDE_ENV.progress];
  if (given) {
    if ((PROGRESS_SETTINGS as readonly string[]).includes(given)) return given as ProgressSetting;
    throw new InvalidInputError(`${OVERRIDE_ENV.progress}: unknown progress mode '${given}'`, `use one of ${PROGRESS_SETTINGS.join(', ')}, or leave it unset`);
  }
  return process.stderr.isTTY && !process.env.CI ? 'tty' : 'plain';
}

export function timeScaleFlag(value: unknown): number {
  if (Array.isArray(value)) throw new Error('--time-scale is given more than once');
  const n = Number(value);
  if (!(n > 0) || !Number.isFinite(n)) throw new Error(`--time-scale must be a positive number, got '${value}'`);
  return n;
}

/**
 * Experiments are mocha suites (harness/experiment/experiment.ts): they run in a mocha child, TypeScript through
 * tsx's loader, with the overrides in its environment. Exit: 0 every check passed; 1 a check failed or was unknown,
 * or a gate refused; 130/143 when interrupted (the child heals and tears down first).
 */
async function runExperimentsInMocha(files: string[], overrides: ExperimentOverrides, grep: string | undefined): Promise<number> {
  const mocha = path.join(PROJECT_ROOT, 'node_modules/mocha/bin/mocha.js');
  const tsx = import.meta.resolve('tsx');
  const args = ['--import', tsx, mocha, '--no-config', '--timeout', '0', '--exit', ...(grep ? ['--grep', grep] : []), ...files];
  // the flags are the only source of overrides: one left in this shell's environment (EPJ_CHAOS_ATTACH, …) would
  // reach the runner unchecked, and the plan checked here would not be the one that runs
  const inherited = Object.fromEntries(Object.entries(process.env).filter(([k]) => !(Object.values(OVERRIDE_ENV) as string[]).includes(k)));
  const child = spawn(process.execPath, args, { stdio: 'inherit', env: { ...inherited, ...overridesToEnv(overrides) } });
  const forward = (sig: NodeJS.Signals) => child.kill(sig);
  process.on('SIGTERM', forward);
  process.on('SIGINT', () => {}); // the terminal sends Ctrl-C to the child too: wait for it to clean up
  const { code, signal } = await new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.on('close', (c, s) => resolve({ code: c, signal: s })));
  process.off('SIGTERM', forward);
  if (code === 0) return EXIT.ok;
  if (code === 130 || signal === 'SIGINT') return EXIT.interrupted;
  if (code === 143 || signal === 'SIGTERM') return 143;
  return EXIT.failed;
}

async function runScenarioFile(file: string, reporters: string[] | undefined): Promise<void> {
  const { loadScenario } = await import('../../scenario/scenario.js');
  const scenario = await loadScenario(file);
  const [{ runScenario }, { writeJournal }, { saveContainerLogs }, { renderRunReports }, { defaultProgressMode }] = await Promise.all([
    import('../../scenario/run-scenario.js'),
    import('../../reporters/journal.js'),
    import('../../reporters/container-logs.js'),
    import('../../reporters/render-run.js'),
    import('../../util/progress.js'),
  ]);
  const outcome = await runScenario(scenario, {
    source: `scenario ${file}`,
    progress: defaultProgressMode(),
    onHistory: (h) =>
      h.subscribe((e) => {
        const line = describeEvent(e, h.clock.scale);
        if (line) console.log(line);
      }),
  });
  if (outcome.runId) {
    const journal = await writeJournal({ experiment: scenario.name, status: outcome.status, runId: outcome.runId, verdicts: [], history: outcome.history });
    console.log(`\njournal: ${journal}`);
    await saveContainerLogs(path.dirname(journal), outcome.containerLogs ?? []).catch((err: unknown) => console.error(`container logs not saved: ${describeError(err)}`));
    await renderRunReports(journal, reporters, (line) => console.error(line));
  }
  console.log(`\nscenario '${scenario.name}': ${outcome.status}; steady state after heal: ${outcome.steadyAfterHeal.ok ? 'yes' : 'NO'} (${outcome.steadyAfterHeal.detail})`);
  if (outcome.status !== 'completed') throw outcome.error instanceof HarnessError ? outcome.error : new HarnessError(describeError(outcome.error), outcome.status === 'interrupted' ? 'aborted' : 'scenario-failed');
  if (!outcome.steadyAfterHeal.ok) process.exitCode = 1;
}

function describeEvent(e: HistoryEvent, scale: number): string | undefined {
  const clocks = `[${new Date(e.t).toISOString().slice(11, 23)} | scenario ${formatScenario(e.scenarioMs)}${scale !== 1 ? ` ×${scale}` : ''}]`;
  switch (e.kind) {
    case 'phase':
      return `${clocks} phase ${e.name}`;
    case 'fault':
      return `${clocks} fault ${e.id} ${e.stage} ${e.target}${e.skewMs !== undefined ? ` (skew ${e.skewMs} ms)` : ''}${e.detail ? `: ${e.detail}` : ''}`;
    case 'action':
      return `${clocks} action ${e.id} ${e.stage}${e.detail ? `: ${e.detail}` : ''}`;
    case 'note':
      return `${clocks} ${e.message}`;
    default:
      return undefined;
  }
}

function formatScenario(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  return `${String(Math.floor(s / 3600)).padStart(2, '0')}:${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}:${String(s % 60).padStart(2, '0')}`;
}
