import { spawn } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import { PROJECT_ROOT } from '../../harness/images/catalog.js';
import { pollUntil } from '../../harness/stack/wait/poll.js';
import { availability, at, blackhole, failover, lostWrites, referenceStack, runExperiment, type ExperimentSpec } from '../../harness/index.js';
import { parseStackDefinition, type StackDefinitionInput } from '../../harness/stack/definition.js';
import { runObjects, NOTHING } from '../support/docker-objects.js';

/** The run skeleton on each of its endings, on the real reference stack (harness/experiment/run.ts). */
describe('experiment runner: every way a run can end', function () {
  this.timeout(180_000);
  const quick = (extra: Partial<ExperimentSpec>): ExperimentSpec => ({
    stack: referenceStack(),
    timeScale: 60,
    load: { patients: 100 },
    steadyState: { functions: 'all', atLeast: 0.99, for: '1 min' },
    timeline: [at('0').phase('baseline'), at('5 min').end()],
    checks: { 'nothing lost': lostWrites().none() },
    ...extra,
  });

  it('failed: a check that cannot hold says what, where and on both clocks (completed: experiments/wan-partition)', async () => {
    const r = await runExperiment('runner: a check that cannot hold', quick({
      timeline: [at('0').phase('baseline'), at('3 min').phase('quiet'), at('6 min').end()],
      checks: {
        'lookups work': availability('journal-lookup').in('quiet').atLeast(0.99),
        'lookups fail (they do not)': availability('journal-lookup').in('quiet').atMost(0.5),
      },
    }));
    expect(r.status, r.reason).to.equal('failed');
    const [works, impossible] = r.checks;
    expect(works!.verdict.status).to.equal('pass');
    expect(impossible!.verdict.status).to.equal('fail');
    expect(impossible!.verdict.children![0]!.summary).to.match(/^journal-lookup: 100\.00 % > 50\.00 % in quiet \[scenario 3 min[^–]*–\d+ min[^,]*, wall [\d:.]+–[\d:.]+\] \(\d+\/\d+\)$/);
    expect(await runObjects(r.runId!)).to.deep.equal(NOTHING);
    // the containers' logs beside the journal, from their boot, Docker-timestamped, linked from the report
    const dir = path.dirname(r.journal!);
    const def = parseStackDefinition(referenceStack());
    const saved = await readdir(path.join(dir, 'logs'));
    for (const c of def.containers) expect(saved).to.include(`${c.name}.log`);
    const primary = def.containers.find((c) => c.role === 'db-primary')!;
    expect(await readFile(path.join(dir, 'logs', `${primary.name}.log`), 'utf8')).to.match(/^\d{4}-\d\d-\d\dT[\d:.]+Z .*database system is ready to accept connections/m);
    expect(await readFile(path.join(dir, 'index.html'), 'utf8')).to.contain(`<a href="logs/${primary.name}.log">log</a>`);
    await rm(dir, { recursive: true, force: true });
  });

  it('aborted by the gate: a sick stack is not injected, and says why', async () => {
    // Opslags-EPJ's front door leads to a database port: every lookup there fails before anything is injected
    const sick = referenceStack() as StackDefinitionInput & { links: unknown[]; functions: Record<string, unknown> };
    sick.links.push({ name: 'broken-front', kind: 'front-door', listenPort: 8090, upstream: { container: 'b-db', port: 5432 }, publish: true });
    sick.functions['read-only-lookup'] = { link: 'broken-front' };
    const r = await runExperiment('runner: a sick stack', quick({
      stack: sick,
      timeline: [at('0').phase('baseline'), at('1 min').phase('wan cut').inject('wan', blackhole({ crossSite: true })), at('2 min').end()],
    }));
    expect(r.status).to.equal('aborted');
    expect(r.reason).to.match(/steady state did not hold before injecting, so nothing was injected: fail: read-only-lookup: 0\.00 % < 99\.00 %/);
    expect(r.history.ofKind('fault').filter((f) => f.stage === 'applied')).to.deep.equal([]);
    expect(await runObjects(r.runId!)).to.deep.equal(NOTHING);
  });

  it('failed: a runbook step that fails is named, what was injected is healed, and nothing is left behind', async () => {
    // the failover runbook of the definition, with a statement PostgreSQL does not know where it promotes
    const broken = referenceStack() as StackDefinitionInput & { runbooks: Record<string, { steps: { name: string; sql?: { query: string } }[] }> };
    const promote = broken.runbooks.failover!.steps.findIndex((st) => st.sql?.query.includes('pg_promote'));
    broken.runbooks.failover!.steps[promote]!.sql!.query = 'SELECT pg_promote_now() AS ok';
    const r = await runExperiment('runner: a runbook step that fails', quick({
      stack: broken,
      timeline: [
        at('0').phase('baseline'),
        at('1 min').phase('wan cut').inject('wan', blackhole({ crossSite: true })),
        at('2 min').phase('failover').act(failover()),
        at('4 min').end(),
      ],
    }));
    expect(r.status).to.equal('failed');
    const step = broken.runbooks.failover!.steps[promote]!.name;
    expect(r.reason).to.contain(`runbook 'failover' step ${promote + 1} '${step}' failed: SQL through link '`).and.to.match(/pg_promote_now\(\) does not exist/);
    const action = r.history.ofKind('action').find((a) => a.stage === 'failed')!;
    expect(action.detail).to.contain(`step ${promote + 1} '${step}'`).and.to.contain('done before failing: ');
    const faults = r.history.ofKind('fault');
    const applied = faults.find((f) => f.stage === 'applied')!;
    expect(faults.some((f) => f.stage === 'healed' && f.id === applied.id), 'the WAN cut healed').to.equal(true);
    expect(await runObjects(r.runId!)).to.deep.equal(NOTHING);
  });

  it('aborted by an abort condition: it heals at once and names the bound that was passed', async () => {
    const r = await runExperiment('runner: an abort condition', quick({
      abortWhen: [availability('journal-lookup').below(0.5).for('2 min')],
      timeline: [
        at('0').phase('baseline'),
        at('1 min').phase('front door blackholed').inject('door', blackhole({ kind: 'front-door' })),
        at('30 min').phase('never reached').heal('door'),
        at('31 min').end(),
      ],
    }));
    expect(r.status).to.equal('aborted');
    expect(r.reason).to.match(/abort condition 'journal-lookup below 50\.00 % for 2 min' was met: journal-lookup was at \d+\.\d\d % \(\d+\/\d+\) from /);
    const faults = r.history.ofKind('fault');
    const applied = faults.find((f) => f.stage === 'applied')!;
    const healed = faults.find((f) => f.stage === 'healed' && f.id === applied.id)!;
    // healed long before the timeline's own heal at 30 min (30 s of wall time at 60×)
    expect(healed.t - applied.t).to.be.below(15_000);
    expect(r.history.ofKind('phase').map((p) => p.name)).to.not.include('never reached');
    expect(await runObjects(r.runId!)).to.deep.equal(NOTHING);
  });

  it('interrupted: SIGINT mid-fault heals, tears down, exits 130, and the journal says interrupted', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'epj-chaos-interrupted-'));
    try {
      const child = spawn(process.execPath, [path.join(PROJECT_ROOT, 'dist/test/support/interrupted-experiment.js'), dir], { stdio: ['ignore', 'pipe', 'pipe'] });
      let out = '';
      child.stdout.on('data', (d) => (out += d));
      child.stderr.on('data', (d) => (out += d));
      const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
      await pollUntil('the experiment past its gate', async () => /steady state holds/.test(out), { timeoutMs: 90_000, intervalMs: 200 });
      await new Promise((r) => setTimeout(r, 2500)); // into the blackhole (30 scenario seconds = 0.5 s of wall time)
      child.kill('SIGINT');
      expect(await exited, out).to.equal(130);
      const run = /\(run ([a-z0-9]+)\)/.exec(out)![1]!;
      expect(await runObjects(run)).to.deep.equal(NOTHING);
      const [runDir] = await readdir(dir);
      const journal = JSON.parse(await readFile(path.join(dir, runDir!, 'journal.json'), 'utf8')) as { status: string; events: { kind: string; stage?: string }[] };
      expect(journal.status).to.equal('interrupted');
      const stages = journal.events.filter((e) => e.kind === 'fault').map((e) => e.stage);
      expect(stages).to.include('applied').and.to.include('healed');
      // an interrupted run keeps its containers' logs too: they were read before the stack went down
      // and its reports, which say it was interrupted
      expect(await readFile(path.join(dir, runDir!, 'summary.md'), 'utf8')).to.match(/\*\*Status:\*\* interrupted/);
      const logs = await readdir(path.join(dir, runDir!, 'logs'));
      for (const c of parseStackDefinition(referenceStack()).containers) expect(logs).to.include(`${c.name}.log`);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
