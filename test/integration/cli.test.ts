import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import { PROJECT_ROOT } from '../../harness/images/catalog.js';
import { parseStackDefinition } from '../../harness/stack/definition.js';
import { newRunId } from '../../harness/stack/names.js';
import { referenceStack } from '../../harness/stack/reference-stack.js';
import { runCli } from '../support/cli.js';
import { NOTHING, runObjects } from '../support/docker-objects.js';

describe('CLI', function () {
  this.timeout(120_000);

  it('stack up leaves a stack running; status --json prints its endpoints; down removes it', async () => {
    const run = newRunId();
    const up = await runCli(['stack', 'up', '--run-id', run]);
    expect(up.code, up.stderr).to.equal(0);
    expect(up.stdout).to.contain(`run id: ${run}`);
    try {
      const status = await runCli(['stack', 'status', '--run', run, '--json']);
      expect(status.code, status.stderr).to.equal(0);
      const [s] = JSON.parse(status.stdout) as { run: string; functions: Record<string, string>; containers: { name: string; state: string }[] }[];
      expect(s!.run).to.equal(run);
      expect(s!.functions['clinical-note']).to.match(/^http:\/\/127\.0\.0\.1:\d+$/);
      expect(s!.functions['read-only-lookup']).to.match(/^http:\/\/127\.0\.0\.1:\d+$/);
      expect(s!.containers.filter((c) => c.state === 'running')).to.have.length(7);
      // the endpoints it prints answer
      const meta = await fetch(`${s!.functions['journal-lookup']}/metadata`);
      expect(meta.status).to.equal(200);
      expect(((await meta.json()) as { resourceType: string }).resourceType).to.equal('CapabilityStatement');
    } finally {
      const down = await runCli(['stack', 'down', '--run', run]);
      expect(down.code, down.stderr).to.equal(0);
    }
    expect(await runObjects(run)).to.deep.equal(NOTHING);
  });

  it('stack down of an unknown run says so and exits non-zero', async () => {
    const r = await runCli(['stack', 'down', '--run', 'nosuchrun1']);
    expect(r.code).to.not.equal(0);
    expect(r.stderr).to.contain("no stack with run id 'nosuchrun1'");
  });

  it('stack definition prints the reference stack as a definition file (JSON), and exits 0', async () => {
    const r = await runCli(['stack', 'definition', '--replication', 'on']);
    expect(r.code, r.stderr).to.equal(0);
    expect(r.stderr).to.equal('');
    // the definition file with its options, the default of `replication` set as asked
    const printed = JSON.parse(r.stdout) as { options: { replication: { default: string } } };
    expect(printed.options.replication.default).to.equal('on');
    const def = parseStackDefinition(printed);
    expect(def.name).to.equal('reference');
    expect(def.containers.find((c) => c.name === 'a-db')!.command).to.include('synchronous_commit=on');
    // the same stack as the reference with that setting; only where it came from differs
    const { template: _printedFrom, ...stack } = def;
    const { template: _bundled, ...expected } = parseStackDefinition(referenceStack({ replication: 'on' }));
    expect(stack).to.deep.equal(expected);
    const help = await runCli(['stack', 'definition', '--help']);
    expect(help.code).to.equal(0);
    expect(help.stdout).to.contain('--replication').and.to.contain('What to edit');
  });

  it('doctor reports every prerequisite present, and names the fix for a dead daemon', async () => {
    const ok = await runCli(['doctor']);
    expect(ok.code, ok.stdout).to.equal(0);
    expect(ok.stdout).to.match(/OK\s+Docker daemon/).and.to.match(/OK\s+image epj-chaos\/postgres/).and.to.match(/OK\s+Toxiproxy server v\d/);

    const dead = await runCli(['doctor'], { DOCKER_HOST: 'unix:///tmp/epj-chaos-no-such-docker.sock' });
    expect(dead.code).to.equal(1);
    expect(dead.stdout).to.match(/MISSING Docker daemon/).and.to.contain('fix: npm run setup');
  });

  it('unknown flags and commands are refused with usage', async () => {
    const r = await runCli(['stack', 'up', '--replicaton', 'async']);
    expect(r.code).to.equal(2);
    expect(r.stderr).to.match(/Unknown argument/i);
    const h = await runCli(['stack', 'up', '--help']);
    expect(h.code).to.equal(0);
    expect(h.stdout).to.contain('--replication');
  });

  it('list prints one line per library experiment — its file and the question it answers — and the top-level help names every command', async () => {
    const r = await runCli(['list']);
    expect(r.code, r.stderr).to.equal(0);
    const lines = r.stdout.trimEnd().split('\n');
    const files = readdirSync(path.join(PROJECT_ROOT, 'experiments')).filter((f) => f.endsWith('.experiment.ts'));
    // every file once at least (a file may declare more than one experiment), nothing else
    for (const f of files) expect(lines.some((l) => l.startsWith(`${f} `)), f).to.equal(true);
    for (const l of lines) expect(l, 'file, then the title').to.match(/^[a-z0-9-]+\.experiment\.ts {2,}\S/);
    expect(lines.find((l) => l.startsWith('wan-partition.experiment.ts'))).to.contain('WAN cut for 10 minutes: does Opslags-EPJ stay up');

    // the help loads every command (harness/cli/main.ts loads only the one named)
    const help = await runCli(['--help']);
    expect(help.code, help.stderr).to.equal(0);
    for (const command of ['stack', 'run', 'list', 'images', 'doctor', 'clean', 'headline', 'report', 'compare', 'matrix']) expect(help.stdout).to.contain(`epj-chaos ${command}`);
  });

  it('run --dry-run prints the plan on both clocks, with what each fault touches, and starts nothing', async () => {
    // with no Docker daemon to reach: a plan that asked Docker anything would fail
    const r = await runCli(['run', 'experiments/wan-partition.experiment.ts', '--dry-run', '--time-scale', '120'], { DOCKER_HOST: 'unix:///tmp/epj-chaos-no-such-docker.sock' });
    expect(r.code, r.stderr).to.equal(0);
    expect(r.stdout).to.contain('stack: reference (replication async)');
    expect(r.stdout).to.contain('time scale: 120×');
    expect(r.stdout).to.match(/2 min\s+\|\s+\+1\.000 s\s+phase 'wan cut'; inject 'wan': wan-cut → link b-replication, link a-replication/);
    expect(r.stdout).to.match(/17 min\s+\|\s+\+8\.500 s\s+end/);
    expect(r.stdout).to.contain('Opslags-EPJ stays up while cut off: read-only-lookup ≥ 99.00 % in wan cut');
  });

  it('run hands a restored stack on to the next experiment with the same definition; each run keeps its own journal; nothing is left', async function () {
    this.timeout(240_000);
    const reports = mkdtempSync(path.join(tmpdir(), 'epj-chaos-shared-'));
    try {
      const r = await runCli(['run', path.join(PROJECT_ROOT, 'test/fixtures/shared-stack/two-on-one.experiment.ts'), '--report-dir', reports]);
      expect(r.code, r.stdout + r.stderr).to.equal(0);
      const stackLines = [...r.stdout.matchAll(/stack reference (up|handed on by the previous experiment) \(run (\w+)\)/g)].map((m) => [m[1], m[2]]);
      expect(stackLines.map(([how]) => how), r.stdout).to.deep.equal(['up', 'handed on by the previous experiment']);
      const [first, second] = stackLines.map(([, run]) => run!);
      expect(second).to.equal(first);
      // one journal directory per experiment run, the second on the same stack beside the first
      expect(readdirSync(reports).sort()).to.deep.equal([first!, `${first!}-2`]);
      // the stack went down after the last experiment
      expect(await runObjects(first!)).to.deep.equal(NOTHING);
    } finally {
      rmSync(reports, { recursive: true, force: true });
    }
  });

  it('run --dry-run gives each experiment to the file that declared it, also when one file imports another', async () => {
    const dir = path.join(PROJECT_ROOT, 'test/fixtures/shared-spec');
    // the importing file first: the imported one is evaluated while it loads, and must not come back empty
    const r = await runCli(['run', path.join(dir, 'variant.experiment.ts'), path.join(dir, 'base.experiment.ts'), '--dry-run'], { DOCKER_HOST: 'unix:///tmp/epj-chaos-no-such-docker.sock' });
    expect(r.code, r.stderr).to.equal(0);
    const titles = r.stdout.split('\n').filter((l) => l.startsWith('experiment: '));
    expect(titles).to.deep.equal(['experiment: a variant on remote_apply', 'experiment: the base experiment']);
    expect(r.stdout).to.contain('stack: reference (replication remote_apply)');
  });
});
