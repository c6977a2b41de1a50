import { expect } from 'chai';
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
});
