import { spawn } from 'node:child_process';
import Docker from 'dockerode';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import { matrixCells } from '../../harness/matrix/cells.js';
import { hiddenDependencies } from '../../harness/matrix/hidden-dependencies.js';
import { runMatrix } from '../../harness/matrix/run-matrix.js';
import { writeMatrix } from '../../harness/matrix/write.js';
import { PROJECT_ROOT } from '../../harness/images/catalog.js';
import { pollUntil, sleep } from '../../harness/stack/wait/poll.js';
import { journalHistory, readJournal } from '../../harness/reporters/journal-schema.js';
import { LABEL } from '../../harness/docker/labels.js';
import { CLINICAL_FUNCTIONS, parseStackDefinition } from '../../harness/stack/definition.js';
import { referenceStack } from '../../harness/stack/reference-stack.js';
import { INTEGRATION_FUNCTIONS } from '../../harness/workload/profile.js';
import { NOTHING, runObjects } from '../support/docker-objects.js';

/** A reduced failure-mode matrix on the reference stack: a handful of cells on one stack, restored between them. */
describe('failure-mode matrix on the reference stack (reduced)', function () {
  this.timeout(300_000);

  // One matrix for the first two tests (a stack up and a cell fewer): A's database killed, then the read-only fallback
  // paused and removed from under the matrix (as a host's clean-up might: nothing to unpause, so the stack is rebuilt),
  // then the integration engine killed on the new stack.
  const def = parseStackDefinition(referenceStack());
  const primary = def.containers.find((c) => c.role === 'db-primary')!.name;
  const engine = def.containers.find((c) => c.role === 'integration-engine')!.name;
  const lookup = def.containers.find((c) => c.role === 'lookup')!.name;
  const cells = [
    ...matrixCells(def, { faults: ['container-kill'], targets: [primary] }),
    ...matrixCells(def, { faults: ['container-pause'], targets: [lookup] }),
    ...matrixCells(def, { faults: ['container-kill'], targets: [engine] }),
  ];
  const lines: string[] = [];
  let run: Awaited<ReturnType<typeof runMatrix>>;
  let dir = '';
  let out: Awaited<ReturnType<typeof writeMatrix>>;

  before(async function () {
    this.timeout(300_000);
    const docker = new Docker();
    let removal: Promise<void> | undefined;
    const log = (line: string) => {
      lines.push(line);
      const runId = /\(run ([a-z0-9]+)\)/.exec(lines.find((l) => l.startsWith('stack ')) ?? '')?.[1];
      if (!line.startsWith('cell 2/') || !runId) return;
      removal = (async () => {
        await sleep(3500); // past the 2-s baseline, inside the fault
        const [c] = await docker.listContainers({ all: true, filters: { label: [`${LABEL.run}=${runId}`, `${LABEL.component}=${lookup}`] } });
        await docker.getContainer(c!.Id).remove({ force: true });
      })();
    };
    run = await runMatrix({ stack: referenceStack(), cells, log });
    await removal;
    dir = await mkdtemp(path.join(tmpdir(), 'epj-chaos-matrix-'));
    out = await writeMatrix(run, { reportDir: dir });
    console.log(out.table.replace(/^/gm, '      '));
    for (const l of lines) console.log(`      ${l}`);
    for (const r of run.results) console.log(`      ${r.cell.id}: ${Object.entries(r.timings).map(([k, v]) => `${k} ${v} ms`).join(', ')}`);
  });
  after(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it("gives the expected table: A's database kill breaks A's EPJ and not Opslags-EPJ; the integration engine's loss exactly its four functions", async () => {
    const byCell = Object.fromEntries(run.results.map((r) => [r.cell.id, r]));
    const dbKill = byCell[`container-kill ${primary}`]!;
    expect(dbKill.status, dbKill.reason).to.equal('measured');
    for (const fn of ['journal-lookup', 'clinical-note', ...INTEGRATION_FUNCTIONS] as const) {
      expect(dbKill.functions[fn]!.availability, `${fn} with ${primary} killed`).to.be.below(0.05);
      expect(dbKill.functions[fn]!.rtoMs, `${fn} back after the heal`).to.be.a('number');
    }
    expect(dbKill.functions['read-only-lookup']!.availability, 'Opslags-EPJ with A’s database killed').to.be.at.least(0.99);
    // restored after the kill: the next cell ran on the same stack
    expect(dbKill.restore).to.equal('restored');

    // on the rebuilt stack, with its read-only fallback back: exactly as on a clean stack
    const engineKill = byCell[`container-kill ${engine}`]!;
    expect(engineKill.status, engineKill.reason).to.equal('measured');
    expect(engineKill.restore).to.equal('restored');
    for (const fn of CLINICAL_FUNCTIONS) {
      const a = engineKill.functions[fn]!.availability!;
      if ((INTEGRATION_FUNCTIONS as readonly string[]).includes(fn)) expect(a, `${fn} without the integration engine`).to.be.below(0.05);
      else expect(a, `${fn} without the integration engine`).to.be.at.least(0.99);
    }
    expect(hiddenDependencies(def, run.results.filter((r) => r.status === 'measured'))).to.deep.equal([]);
    for (const id of run.runIds) expect(await runObjects(id), `run ${id}`).to.deep.equal(NOTHING);
    // what it leaves: the journal (readable like any), matrix.json with every cell, matrix.html with the grid
    const json = JSON.parse(await readFile(path.join(out.dir, 'matrix.json'), 'utf8')) as { schemaVersion: number; cells: { cell: { id: string } }[] };
    expect(json.schemaVersion).to.equal(1);
    expect(json.cells.map((c) => c.cell.id)).to.deep.equal(cells.map((c) => c.id));
    const journal = await readJournal(path.join(out.dir, 'journal.json'));
    expect(journal.experiment).to.match(/^Failure-mode matrix of stack 'reference' \(3 cells\)$/);
    // memory stays flat: a judged cell's events went to the journal's spill; in memory, only the last cell's remain
    const baselines = (events: readonly { kind: string; name?: string }[]) => events.filter((e) => e.kind === 'phase' && e.name!.endsWith(' · baseline')).map((e) => e.name);
    expect(baselines(journal.events)).to.deep.equal(cells.map((c) => `${c.id} · baseline`));
    expect(baselines(run.history.all())).to.deep.equal([`${cells.at(-1)!.id} · baseline`]);
    const html = await readFile(path.join(out.dir, 'matrix.html'), 'utf8');
    expect(html).to.contain(`<code>container-kill ${engine}</code>`).and.to.match(/<td class="m down">0\.0 ✖/);
  });

  it('a cell whose stack cannot be restored: the stack is rebuilt, the cell says so, and the next cell starts on the new one', async () => {
    const paused = run.results.find((r) => r.cell.id === `container-pause ${lookup}`)!;
    expect(paused.restore).to.equal('rebuilt');
    expect(paused.status).to.equal('failed');
    expect(paused.reason).to.match(/no such container|not found|404/i);
    expect(lines.some((l) => /could not be restored .*: rebuilding it/.test(l)), 'the log says it rebuilds').to.equal(true);
    // judged cells' events are in the journal, not in memory (the run spills them: docs/matrix.md, memory)
    const journal = await readJournal(path.join(out.dir, 'journal.json'));
    expect(journalHistory(journal).ofKind('note').some((n) => n.message.includes(`after container-pause ${lookup} the stack could not be restored`))).to.equal(true);
    // the cell before on the first stack, the cell after on a fresh one
    expect(run.runIds).to.have.length(2);
  });

  it('interrupted (SIGINT in a cell): heals, tears down, exits 130, and writes what was measured so far', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'epj-chaos-matrix-int-'));
    try {
      const child = spawn(process.execPath, [path.join(PROJECT_ROOT, 'dist/harness/cli/main.js'), 'matrix', '--faults', 'container-pause', '--targets', 'b-lookup', '--report-dir', dir], { stdio: ['ignore', 'pipe', 'pipe'] });
      let out = '';
      child.stdout.on('data', (d) => (out += d));
      child.stderr.on('data', (d) => (out += d));
      const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
      await pollUntil('the first cell under way', async () => /cell 1\/\d+: /.test(out), { timeoutMs: 120_000, intervalMs: 200 });
      await new Promise((r) => setTimeout(r, 3500)); // past the baseline, into the fault
      child.kill('SIGINT');
      expect(await exited, out).to.equal(130);
      const run = /\(run ([a-z0-9]+)\)/.exec(out)![1]!;
      expect(await runObjects(run)).to.deep.equal(NOTHING);
      expect(out).to.match(/interrupted: the 1 cell\(s\) measured so far are in /);
      const [matrixDir] = await readdir(dir);
      const json = JSON.parse(await readFile(path.join(dir, matrixDir!, 'matrix.json'), 'utf8')) as { cells: { status: string; reason?: string }[] };
      expect(json.cells).to.have.length(1);
      expect(json.cells[0]).to.include({ status: 'failed', reason: 'interrupted' });
      expect((await readJournal(path.join(dir, matrixDir!, 'journal.json'))).status).to.equal('interrupted');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
