import { mkdtemp, readdir, rm } from 'node:fs/promises';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import { PROJECT_ROOT } from '../../harness/images/catalog.js';
import { newRunId } from '../../harness/stack/names.js';
import { runCli, type CliResult } from '../support/cli.js';
import { NOTHING, runObjects } from '../support/docker-objects.js';

/**
 * The bad-input corpus (test/fixtures/bad-input): malformed scenario files, stack definitions and command lines.
 * Each must get exit 2 and one message on stderr that names the field, flag or file at fault — and leave nothing
 * behind. "Nothing behind" is proven the strict way: the CLI runs with DOCKER_HOST pointing at a tripwire (a unix
 * socket that counts connections and answers none), so a case passes only if it never reached Docker at all.
 * Other sessions' Docker objects cannot disturb that. The few inputs that can only be judged by asking Docker
 * (a run id that does not exist, a port already taken) run against the real daemon and are checked by their run id.
 */

const FIXTURES = path.join(PROJECT_ROOT, 'test/fixtures/bad-input');
const scenarioFile = (name: string) => path.join(FIXTURES, 'scenarios', name);
const stackFile = (name: string) => path.join(FIXTURES, 'stacks', name);
const experimentFile = (name: string) => path.join(FIXTURES, 'experiments', name);

interface Case {
  kind: 'scenario' | 'stack definition' | 'experiment' | 'command line';
  name: string;
  args: string[];
  /** every fragment must appear in the message */
  names: string[];
}

const scenario = (file: string, ...names: string[]): Case => ({ kind: 'scenario', name: file, args: ['run', scenarioFile(file)], names: [`scenarios/${file}`, ...names] });
const stack = (file: string, ...names: string[]): Case => ({ kind: 'stack definition', name: file, args: ['stack', 'up', '--definition', stackFile(file)], names: [`stacks/${file}`, ...names] });
const experimentCase = (file: string, ...names: string[]): Case => ({ kind: 'experiment', name: file, args: ['run', experimentFile(file)], names: [`experiments/${file}`, ...names] });
const cli = (args: string[], ...names: string[]): Case => ({ kind: 'command line', name: `epj-chaos ${args.join(' ')}`.trim(), args, names });

const SCENARIOS: Case[] = [
  scenario('unknown-fault-kind.json', "unknown fault kind 'meteor-strike'"),
  scenario('negative-duration.json', "fault 'latency': latencyMs: Too small"),
  scenario('param-wrong-type.json', "fault 'latency': latencyMs: Invalid input: expected number, received string"),
  scenario('site-power-negative-ups.json', "fault 'site-power': upsRuntimeMs: Too small"),
  scenario('fractional-timeout.json', "fault 'container-stop': timeoutSeconds"),
  scenario('unknown-fault-param.json', "jitter: unknown parameter of 'latency'"),
  scenario('toxicity-out-of-range.json', 'toxicity: Too big'),
  scenario('missing-target.json', "fault 'container-kill': target: required"),
  scenario('empty-target.json', 'target: name at least one of site, role, container'),
  scenario('heal-uninjected.json', "step 2: heals 'ghost', which no step injects"),
  scenario('heal-before-inject.json', "heals 'cut' at 1000 ms, before it is injected at 5000 ms"),
  scenario('injected-twice.json', "a fault named 'cut' is injected twice"),
  scenario('unknown-action.json', "step 2: action: unknown operator action 'panic'", 'failover'),
  scenario('inject-and-heal.json', 'step 2: (step): a step does one of inject, heal, action'),
  scenario('step-does-nothing.json', 'step 2: (step): a step needs a phase, inject, heal or action'),
  scenario('negative-at.json', 'step 1: at: Too small'),
  scenario('phase-named-end.json', "step 2: phase: a name the harness records itself ('taking hold', 'healing', 'steady state', 'end')"),
  scenario('inject-without-name.json', 'step 1: inject.name: Invalid input'),
  scenario('step-not-an-object.json', 'timeline.0: Invalid input'),
  scenario('time-scale-zero.json', 'timeScale: Too small'),
  scenario('time-scale-string.json', 'timeScale: Invalid input: expected number'),
  scenario('empty-timeline.json', 'timeline: Too small'),
  scenario('unknown-field.json', 'timescale: unknown field'),
  scenario('heal-timeout-negative.json', 'healTimeoutMs: Too small'),
  scenario('bad-replication-mode.json', 'stack.replication: Invalid option', 'remote_apply'),
  scenario('replication-with-definition.json', 'stack.replication: replication is an option of the reference stack'),
  scenario('missing-definition-file.json', 'stack definition', 'no-such-stack.json does not exist'),
  scenario('invalid-definition.json', 'stacks/duplicate-container-names.json', "container name 'app' is used twice"),
  // fault targets are checked against the stack definition before `up` (harness/scenario/check-targets.ts)
  scenario('target-container-matches-nothing.json', "step 1 (inject 'kill'): no container of stack 'reference' matches container=c-db"),
  scenario('target-link-matches-nothing.json', "step 1 (inject 'slow'): stack 'reference' has no link 'wan-x'"),
  scenario('target-site-matches-nothing.json', "step 1 (inject 'switch'): no container of stack 'reference' matches site=c"),
  scenario('target-vendor-no-replication.json', "no link of stack 'vendor' matches kind=replication"),
  scenario('site-power-unknown-boot-component.json', "boot component 'b-db' is neither core-switch nor a container of site 'a'"),
  scenario('malformed.json', 'is not valid JSON'),
  scenario('empty.json', 'is empty'),
  scenario('not-an-object.json', '(top level): Invalid input: expected object, received array'),
  { ...scenario('no-such-scenario.json', 'does not exist'), name: 'a scenario file that does not exist' },
  { kind: 'scenario', name: 'a directory instead of a scenario file', args: ['run', path.join(FIXTURES, 'scenarios')], names: ['is neither an experiment (.ts, .js) nor a scenario (.json)'] },
];

const STACKS: Case[] = [
  stack('missing-sites.json', 'sites: required'),
  stack('empty-sites.json', 'sites: Too small'),
  stack('duplicate-container-names.json', "container name 'app' is used twice"),
  stack('link-to-unknown-container.json', "link 'app-db' points at unknown container 'database'"),
  stack('listen-port-out-of-range.json', 'links.0.listenPort: Too big'),
  stack('listen-port-toxiproxy-api.json', 'links.1.listenPort: port 8474 is the Toxiproxy API'),
  stack('upstream-port-string.json', 'links.1.upstream.port: Invalid input: expected number'),
  stack('publish-port-zero.json', 'links.0.publish'),
  stack('duplicate-listen-port.json', "link listenPort '5401' is used twice"),
  stack('unknown-clinical-function.json', 'functions.x-ray: unknown clinical function', 'read-only-lookup'),
  stack('function-unpublished-link.json', "function 'admission' names link 'app-db', which is not published"),
  stack('container-at-unknown-site.json', "container 'app' is at site 'c', which is not defined"),
  stack('depends-on-unknown-container.json', "container 'app' depends on unknown container 'cache'"),
  stack('dependency-cycle.json', 'dependency cycle: '),
  stack('container-name-invalid.json', 'containers.0.name: lower-case letters'),
  stack('ready-kind-unknown.json', 'containers.0.ready.kind'),
  stack('misspelt-field.json', 'containers.1.dependOn: unknown field'),
  // a vendor definition has no replication mode of its own (its containers configure replication): the key is refused
  stack('replication-mode-field.json', 'replication: unknown field'),
  stack('volume-relative-path.json', 'containers.0.volumes.0.path'),
  stack('link-from-unknown-site.json', "link 'app-db' comes from unknown site 'z'"),
  stack('image-missing.json', 'containers.1.image: required'),
  stack('malformed.json', 'is not valid JSON'),
  stack('option-reference-undeclared.json', "containers.1.image: '${appImge}' names no declared option"),
  stack('option-default-invalid.json', 'options.mode.default: one of fast, safe'),
  stack('runbook-unknown-link.json', "runbook 'failover' step 1 'promote the replica' names link 'replica-admin', which is not defined"),
  stack('runbook-uncaptured-variable.json', "runbook 'failover' step 1 'wait for the position' uses {{pos…}}, which no earlier step captures"),
  stack('option-when-outside-list.json', 'containers.1.env.$when: $when/$then go in a list'),
  stack('empty.json', 'is empty'),
  // a link's auth (harness/stack/link-auth.ts): names and paths only, checked before Docker is asked anything
  stack('auth-token-in-definition.json', 'links.0.auth.bearerToken: unknown field (auth takes bearerTokenEnv — the NAME of an environment variable'),
  stack('auth-cert-without-key.json', 'links.0.auth.tls.key: a client certificate (cert) needs its private key (key)'),
  stack('auth-token-variable-not-set.json', "link 'app-front': auth.bearerTokenEnv: the environment variable EPJ_CHAOS_BAD_INPUT_UNSET_TOKEN is not set"),
  stack('auth-ca-missing.json', `link 'app-front': auth.tls.ca: ${stackFile('certs/no-such-ca.pem')} does not exist`),
  { ...stack('no-such-stack.json', 'does not exist'), name: 'a stack definition that does not exist' },
];

const COMMAND_LINES: Case[] = [
  cli([], 'name a command'),
  cli(['launch'], 'Unknown argument: launch'),
  cli(['stack'], 'name a stack command: up, status, down or definition'),
  cli(['stack', 'launch'], 'Unknown argument: launch'),
  cli(['stack', 'up', '--replicaton', 'async'], 'Unknown argument: replicaton'),
  cli(['stack', 'up', 'now'], 'Unknown argument: now'),
  cli(['stack', 'up', '--replication', 'nope'], "--replication: unknown replication mode 'nope'", 'remote_apply'),
  cli(['stack', 'up', '--replication', 'on', '--replication', 'async'], '--replication is given more than once'),
  cli(['stack', 'up', '--replication'], 'Not enough arguments following: replication'),
  cli(['stack', 'up', '--epj-port', '-1'], "--epj-port must be a port number from 1 to 65535, got '-1'"),
  cli(['stack', 'up', '--epj-port', '70000'], "--epj-port must be a port number from 1 to 65535, got '70000'"),
  cli(['stack', 'up', '--epj-port', 'abc'], "--epj-port must be a port number from 1 to 65535, got 'abc'"),
  cli(['stack', 'up', '--epj-port', '80.5'], "--epj-port must be a port number from 1 to 65535, got '80.5'"),
  cli(['stack', 'up', '--epj-port'], 'Not enough arguments following: epj-port'),
  cli(['stack', 'up', '--lookup-port', '0'], "--lookup-port must be a port number from 1 to 65535, got '0'"),
  cli(['stack', 'up', '--epj-port', '18080', '--lookup-port', '18080'], '--epj-port and --lookup-port are both 18080'),
  cli(['stack', 'up', '--run-id', 'Not_Valid'], "--run-id 'Not_Valid' is not a run id"),
  cli(['stack', 'up', '--definition'], 'Not enough arguments following: definition'),
  // the named flags set options: a vendor's definition that does not declare one refuses it
  cli(['stack', 'up', '--definition', stackFile('valid-vendor.json'), '--replication', 'on'], "stack 'vendor' has no option 'replication'", 'it declares no options'),
  cli(['stack', 'up', '--definition', stackFile('valid-vendor.json'), '--epj-port', '18080'], "stack 'vendor' has no option 'epjPort'"),
  cli(['stack', 'up', '--set', 'replication'], "--set 'replication': write it as name=value"),
  cli(['stack', 'up', '--set', 'colour=blue'], "stack 'reference' has no option 'colour'", 'its options: replication, integrations'),
  cli(['stack', 'up', '--set', 'replication=eventually'], 'option replication=eventually: one of async, remote_write, on, remote_apply'),
  cli(['stack', 'up', '--set', 'epjPort=1', '--set', 'epjPort=2'], '--set epjPort is given twice'),
  cli(['stack', 'up', '--set'], 'Not enough arguments following: set'),
  cli(['matrix', '--set', 'integrations=nowhere', '--list'], 'option integrations=nowhere: one of site-a, each-site'),
  cli(['stack', 'definition', '--set', 'epjPort=abc'], "option epjPort=abc: a port from 1 to 65535, or 'free'"),
  cli(['run', 'experiments/wan-partition.experiment.ts', '--set', 'loadScale=0', '--dry-run'], 'option loadScale=0: at least 0.01'),
  cli(['run', 'experiments/failover-drill.experiment.ts', '--stack', stackFile('valid-vendor.json'), '--dry-run'], "operator action 'failover': stack 'vendor' has no runbook 'failover'"),
  cli(['run', '--attach', 'abcd1234', '--set', 'replication=on'], '--attach and --set do not go together'),
  cli(['stack', 'status', '--run'], 'Not enough arguments following: run'),
  cli(['stack', 'down', '--run', 'BAD!'], "--run 'BAD!' is not a run id"),
  cli(['stack', 'status', '--json', '--verbose'], 'Unknown argument: verbose'),
  cli(['run', 'notes.txt'], "'notes.txt' is neither an experiment (.ts, .js) nor a scenario (.json)"),
  cli(['run', scenarioFile('empty.json'), scenarioFile('malformed.json')], 'a scenario .json runs alone'),
  cli(['run', scenarioFile('empty.json'), '--time-scale', '0'], "--time-scale must be a positive number, got '0'"),
  cli(['run', scenarioFile('empty.json'), '--dry-run'], '--grep, --stack, --set, --time-scale and --dry-run apply to experiments'),
  cli(['run', 'experiments/no-such.experiment.ts'], 'experiment file experiments/no-such.experiment.ts does not exist'),
  cli(['run', '--stack', stackFile('valid-vendor.json'), '--replication', 'on', '--dry-run'], "stack 'vendor' has no option 'replication'"),
  cli(['run', '--replication', 'eventually'], "--replication: unknown replication mode 'eventually'"),
  cli(['run', '--seed', '-1'], "--seed must be a whole number from 0 to 9007199254740991, got '-1'"),
  cli(['run', '--seed', 'abc'], "--seed must be a whole number from 0 to 9007199254740991, got 'abc'"),
  cli(['run', '--seed', '1', '--seed', '2'], '--seed is given more than once'),
  cli(['run', '--attach', 'abcd1234', '--stack', stackFile('valid-vendor.json')], '--attach and --stack do not go together'),
  cli(['run', '--attach', 'abcd1234', '--replication', 'on'], '--attach and --replication do not go together'),
  cli(['run', '--attach', 'abcd1234', '--keep-stack'], '--attach and --keep-stack do not go together'),
  cli(['run', '--attach', 'Not_Valid'], "--attach 'Not_Valid' is not a run id"),
  cli(['run', '--keep-stack'], "--keep-stack keeps one experiment's stack, but", 'name one experiment file'),
  cli(['run', scenarioFile('empty.json'), '--seed', '7'], '--keep-stack, --attach and --seed apply to experiments'),
  cli(['run', 'experiments/wan-partition.experiment.ts', '--baseline', 'no/such/baseline'], 'no/such/baseline: no such journal, run directory or reports directory'),
  cli(['run', scenarioFile('empty.json'), '--baseline', 'reports'], '--baseline and --repeat apply to experiments, not to a scenario .json'),
  cli(['run', '--repeat', '0'], "--repeat must be a whole number from 1 to 20, got '0'"),
  cli(['run', '--repeat', '3', '--seed', '7'], '--repeat does not go together with --seed'),
  cli(['run', '--reporter', 'bogus'], "--reporter: unknown reporter 'bogus'", 'known: html, junit, markdown, console'),
  cli(['run', '--reporter', ','], '--reporter: name at least one reporter'),
  cli(['report', 'no/such/run'], 'no/such/run: no such journal, run directory or reports directory'),
  cli(['report', scenarioFile('empty.json')], `journal ${scenarioFile('empty.json')}`),
  cli(['report', 'reports', '--reporter', 'pdf'], "--reporter: unknown reporter 'pdf'"),
  cli(['clean', '--keep', '3'], '--keep and --report-dir apply to --reports'),
  cli(['clean', '--reports', '--keep', 'many'], "--keep must be a whole number of runs (0 or more), got 'many'"),
  cli(['clean', '--reports', '--all'], '--reports does not go together with --all or --run'),
  cli(['stack', 'definition', '--replication', 'bogus'], "--replication: unknown replication mode 'bogus'", 'remote_apply'),
  cli(['stack', 'definition', '--definition', stackFile('valid-vendor.json')], 'Unknown argument: definition'),
  cli(['headline', '--replication', 'nope'], "--replication: unknown replication mode 'nope'"),
  cli(['images'], 'name an images command: build'),
  // close to a command: yargs suggests it, and the message still names the word typed
  cli(['images', 'rebuild'], "unknown command 'rebuild'. Did you mean build?"),
  cli(['images', 'build', '--base'], 'Not enough arguments following: base'),
  cli(['doctor', '--fix'], 'Unknown argument: fix'),
];

const EXPERIMENTS: Case[] = [
  experimentCase('bad-duration.experiment.ts', 'does not load', `'soon' is not a duration`),
  experimentCase('unknown-fault.experiment.ts', "unknown fault kind 'gremlins'"),
  experimentCase('no-experiment.experiment.ts', 'declares no experiment'),
  experimentCase('unknown-target.experiment.ts', "no container of stack 'reference' matches site=c"),
  experimentCase('bad-clients-share.experiment.ts', 'load.clientsNobodyTold: a share from 0 to 1, got 2'),
  experimentCase('k6-script-missing.experiment.ts', 'load.k6.script:', 'no-such-load.js does not exist'),
  experimentCase('k6-not-installed.experiment.ts', "k6 not found on PATH ('k6')", 'k6 is your own install'),
  experimentCase('harness-phase-name.experiment.ts', 'step 2: phase: a name the harness records itself', 'name the phase differently'),
];

const CORPUS = [...SCENARIOS, ...STACKS, ...EXPERIMENTS, ...COMMAND_LINES];

/** A unix socket standing in for the Docker daemon's: it counts connections and closes them unanswered. */
class DockerTripwire {
  connections = 0;
  private constructor(
    private readonly server: net.Server,
    readonly socket: string,
  ) {}

  static async start(dir: string, id: number): Promise<DockerTripwire> {
    const socket = path.join(dir, `docker-${id}.sock`);
    const server = net.createServer();
    const wire = new DockerTripwire(server, socket);
    server.on('connection', (c) => {
      wire.connections++;
      c.destroy();
    });
    await new Promise<void>((resolve, reject) => server.once('error', reject).listen(socket, resolve));
    return wire;
  }

  get dockerHost(): string {
    return `unix://${this.socket}`;
  }

  close(): Promise<void> {
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}

interface Outcome {
  result: CliResult;
  dockerConnections: number;
}

/** Runs the corpus a few at a time: each case is a node process, and the machine has 2 cores. */
async function runAll(cases: Case[], dir: string, parallel = 4): Promise<Map<Case, Outcome>> {
  const outcomes = new Map<Case, Outcome>();
  let next = 0;
  const worker = async () => {
    while (next < cases.length) {
      const i = next++;
      const c = cases[i]!;
      const wire = await DockerTripwire.start(dir, i);
      try {
        const result = await runCli(c.args, { DOCKER_HOST: wire.dockerHost, EPJ_CHAOS_DEBUG: '' });
        outcomes.set(c, { result, dockerConnections: wire.connections });
      } finally {
        await wire.close();
      }
    }
  };
  await Promise.all(Array.from({ length: parallel }, worker));
  return outcomes;
}

/** One message: a single `epj-chaos:` line (its detail lines indented under it), no stack trace, no help dump. */
function expectOneMessage(stderr: string) {
  expect(stderr, 'message prefix').to.match(/^epj-chaos: /);
  expect(stderr.match(/^epj-chaos: /gm), 'one message').to.have.length(1);
  for (const line of stderr.trimEnd().split('\n').slice(1)) expect(line, 'detail lines are indented').to.match(/^ {2}/);
  expect(stderr, 'no stack trace').to.not.match(/^\s+at .+[:(]\d+:\d+\)?$/m);
  expect(stderr, 'no help dump').to.not.contain('Options:');
}

describe('bad input: exit 2, one message naming the problem, nothing created', function () {
  // ~145 CLI processes, 4 at a time: about a minute here, three on a machine that is also compiling
  this.timeout(420_000);
  let dir = '';
  let outcomes = new Map<Case, Outcome>();

  before(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'epj-chaos-tripwire-'));
    outcomes = await runAll(CORPUS, dir);
  });

  after(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it(`the corpus covers every fixture file, with ≥ 30 cases (${CORPUS.length})`, async () => {
    expect(CORPUS.length).to.be.at.least(30);
    const covered = new Set(CORPUS.flatMap((c) => c.args.filter((a) => a.startsWith(FIXTURES)).map((a) => path.relative(FIXTURES, a))));
    for (const sub of ['scenarios', 'stacks', 'experiments']) {
      for (const f of await readdir(path.join(FIXTURES, sub))) expect(covered, `${sub}/${f} has no row in the table`).to.include(`${sub}/${f}`);
    }
  });

  for (const c of CORPUS) {
    it(`${c.kind}: ${c.name}`, () => {
      const { result, dockerConnections } = outcomes.get(c)!;
      expect(result.code, result.stderr).to.equal(2);
      expectOneMessage(result.stderr);
      for (const fragment of c.names) expect(result.stderr, 'names the problem').to.contain(fragment);
      expect(result.stdout, 'nothing happened').to.equal('');
      expect(dockerConnections, 'reached Docker').to.equal(0);
    });
  }

  describe('input only Docker can judge: still exit 2, nothing created', () => {
    it('stack down and status of a run id that does not exist', async () => {
      for (const command of ['down', 'status']) {
        const run = newRunId();
        const r = await runCli(['stack', command, '--run', run]);
        expect(r.code, r.stderr).to.equal(2);
        expectOneMessage(r.stderr);
        expect(r.stderr).to.contain(`no stack with run id '${run}'`);
        expect(await runObjects(run)).to.deep.equal(NOTHING);
      }
    });

    it('run --attach of a run id with no stack: named, and nothing started', async () => {
      const run = newRunId();
      const r = await runCli(['run', path.join(PROJECT_ROOT, 'experiments/wan-partition.experiment.ts'), '--attach', run]);
      expect(r.code, r.stderr).to.equal(2);
      expectOneMessage(r.stderr);
      expect(r.stderr).to.contain(`--attach: no stack with run id '${run}' is running`);
      expect(r.stdout, 'no experiment ran').to.equal('');
      expect(await runObjects(run)).to.deep.equal(NOTHING);
    });

    it('--epj-port already taken', async () => {
      const server = net.createServer();
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      const port = (server.address() as net.AddressInfo).port;
      try {
        const run = newRunId();
        const r = await runCli(['stack', 'up', '--epj-port', String(port), '--run-id', run]);
        expect(r.code, r.stderr).to.equal(2);
        expectOneMessage(r.stderr);
        expect(r.stderr).to.contain(`port ${port} on 127.0.0.1 (link epj-front) is already in use`);
        expect(await runObjects(run)).to.deep.equal(NOTHING);
      } finally {
        server.close();
      }
    });
  });

  it('a harness error is not a usage error: a valid scenario with no Docker daemon exits 1, and the tripwire sees it try', async () => {
    const wire = await DockerTripwire.start(dir, CORPUS.length);
    try {
      const r = await runCli(['run', path.join(PROJECT_ROOT, 'experiments/scenarios/power-cut.json')], { DOCKER_HOST: wire.dockerHost });
      expect(r.code, r.stderr).to.equal(1);
      expectOneMessage(r.stderr);
      expect(r.stderr).to.contain('no Docker daemon answers');
      expect(wire.connections, 'the tripwire notices a CLI that reaches Docker').to.be.at.least(1);
    } finally {
      await wire.close();
    }
  });
});
