/**
 * A run to be killed with SIGKILL (test/integration/reaper.test.ts, bench/reaper-soak.ts): it brings up the
 * reference stack, seeds patients, runs clinical load, cuts the WAN and fails over to site B under that fault,
 * printing a marker line as each stage begins, then keeps the load running until it is killed.
 *
 *   node dist/test/support/sigkill-target.js        prints `sigkill-target <stage> <detail>` lines
 *
 * Imported, it is the driver: start the target, wait for a stage, kill it, and measure until nothing of the run
 * is left — its containers, networks, volumes, its reaper, and the epj-load process it had started.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import Docker from 'dockerode';
import { reaperFilter } from '../../harness/docker/reaper-sidecar.js';
import { PROJECT_ROOT } from '../../harness/images/catalog.js';
import { runObjects } from './docker-objects.js';

export const STAGES = ['run', 'up', 'seeded', 'load', 'fault', 'failover', 'failed-over'] as const;
export type Stage = (typeof STAGES)[number];

const MARK = 'sigkill-target';
/** how long the WAN stays cut before the failover starts */
const FAULT_HOLD_MS = 2500;

function mark(stage: Stage, detail = ''): void {
  process.stdout.write(`${MARK} ${stage} ${detail}\n`);
}

async function main(): Promise<void> {
  const { upStack } = await import('../../harness/stack/up.js');
  const { referenceStack } = await import('../../harness/stack/reference-stack.js');
  const { newRunId } = await import('../../harness/stack/names.js');
  const { seedPatients } = await import('../../harness/workload/seed.js');
  const { runLoad } = await import('../../harness/workload/driver.js');
  const { FaultInjector } = await import('../../harness/faults/injector.js');
  const { failover } = await import('../../harness/actions/failover.js');
  const { History } = await import('../../harness/history/history.js');

  const run = newRunId();
  mark('run', run);
  mark('up');
  const stack = await upStack(referenceStack(), { runId: run });
  const patients = await seedPatients(stack.functionUrl('clinical-note'), { patients: 40 });
  mark('seeded', String(patients.length));
  const ctx = { stack, history: new History() };
  const injector = await FaultInjector.start(ctx);
  const stopLoad = new AbortController();
  void runLoad({ stack, history: ctx.history, patients, durationMs: 0, signal: stopLoad.signal }).catch((err: Error) => {
    process.stderr.write(`${MARK}: load failed: ${err.message}\n`);
  });
  mark('load');
  await new Promise((r) => setTimeout(r, 1000));
  await injector.inject({ kind: 'wan-cut' });
  mark('fault', 'wan-cut');
  await new Promise((r) => setTimeout(r, FAULT_HOLD_MS));
  mark('failover');
  await failover().run(ctx);
  mark('failed-over');
  setInterval(() => {}, 60_000); // under load until killed
}

const launchedDirectly = process.argv[1] !== undefined && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url);
if (launchedDirectly) {
  main().catch((err: Error) => {
    process.stderr.write(`${MARK}: ${err.stack ?? err.message}\n`);
    process.exit(1);
  });
}

export const TARGET = path.join(PROJECT_ROOT, 'dist/test/support/sigkill-target.js');

export interface Removal {
  run: string;
  /** the last stage the target had begun when it was killed */
  stage: Stage;
  /** epj-load processes the target had started, alive at the kill */
  loadProcesses: number;
  /** from SIGKILL until no container, network, volume, reaper or epj-load of the run was left */
  removalMs: number;
  /** from SIGKILL until its epj-load had exited (0 when there was none) */
  loadExitMs: number;
}

/** A running target, its stages as they are reached. */
export class SigkillTarget {
  readonly child: ChildProcess;
  run?: string;
  stage?: Stage;
  private readonly waiters: { stage: Stage; resolve: () => void }[] = [];
  private readonly exited: Promise<void>;
  private output = '';

  constructor() {
    this.child = spawn(process.execPath, [TARGET], { stdio: ['ignore', 'pipe', 'pipe'] });
    this.child.stdout!.setEncoding('utf8');
    let buffered = '';
    this.child.stdout!.on('data', (chunk: string) => {
      buffered += chunk;
      let nl;
      while ((nl = buffered.indexOf('\n')) >= 0) this.onLine(buffered.slice(0, nl)), (buffered = buffered.slice(nl + 1));
    });
    this.child.stderr!.on('data', (d) => (this.output = (this.output + d).slice(-4000)));
    this.exited = new Promise((resolve) => this.child.once('close', () => resolve()));
  }

  private onLine(line: string): void {
    const [tag, stage, detail] = line.split(' ');
    if (tag !== MARK || !STAGES.includes(stage as Stage)) return;
    this.stage = stage as Stage;
    if (stage === 'run') this.run = detail;
    for (const w of this.waiters.filter((w) => STAGES.indexOf(w.stage) <= STAGES.indexOf(this.stage!))) {
      this.waiters.splice(this.waiters.indexOf(w), 1);
      w.resolve();
    }
  }

  /** Resolves once the target has begun `stage`; rejects if it exits first. */
  reached(stage: Stage, timeoutMs = 90_000): Promise<void> {
    if (this.stage && STAGES.indexOf(this.stage) >= STAGES.indexOf(stage)) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`target did not reach '${stage}' within ${timeoutMs} ms (at '${this.stage}'): ${this.output}`)), timeoutMs);
      this.waiters.push({ stage, resolve: () => (clearTimeout(timer), resolve()) });
      void this.exited.then(() => reject(new Error(`target exited at '${this.stage}' before '${stage}': ${this.output}`)));
    });
  }

  /**
   * SIGKILL (the target only, not its process group: epj-load must notice on its own), then polls until nothing
   * of the run is left, up to `withinMs`.
   */
  async killAndMeasure(withinMs = 60_000): Promise<Removal> {
    const run = this.run;
    if (!run) throw new Error('the target has not named its run yet');
    const loaders = loadProcessesOf(this.child.pid!);
    const stage = this.stage!;
    const killedAt = Date.now();
    this.child.kill('SIGKILL');
    await this.exited;
    const docker = new Docker();
    let loadExitMs: number | undefined;
    for (;;) {
      const left = await leftovers(docker, run, loaders);
      if (loadExitMs === undefined && !left.some((l) => l.startsWith('epj-load'))) loadExitMs = loaders.length > 0 ? Date.now() - killedAt : 0;
      if (left.length === 0) return { run, stage, loadProcesses: loaders.length, removalMs: Date.now() - killedAt, loadExitMs: loadExitMs! };
      if (Date.now() - killedAt > withinMs) throw new Error(`run ${run} (killed at '${stage}'): still there after ${withinMs} ms: ${left.join(', ')}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}

/** What is left of a run: its objects by label, its reaper, and those of `loaders` still alive. */
export async function leftovers(docker: Docker, run: string, loaders: LoadProcess[]): Promise<string[]> {
  const [objects, reapers] = await Promise.all([runObjects(run, docker), docker.listContainers({ all: true, filters: reaperFilter(run) })]);
  const left = Object.entries(objects).flatMap(([kind, n]) => (n > 0 ? [`${n} ${kind}`] : []));
  if (reapers.length > 0) left.push(`its reaper (${reapers[0]!.State})`);
  const alive = loaders.filter(stillRunning);
  if (alive.length > 0) left.push(`epj-load pid ${alive.map((l) => l.pid).join(', ')}`);
  return left;
}

export interface LoadProcess {
  pid: number;
  /** start time in clock ticks since boot: a pid reused by another process has another */
  startTicks: string;
}

/** The epj-load children of `parent`, from /proc (other sessions may run epj-load on the same machine). */
export function loadProcessesOf(parent: number): LoadProcess[] {
  const found: LoadProcess[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const stat = procStat(Number(entry));
    if (stat && stat.comm === 'epj-load' && stat.ppid === parent) found.push({ pid: Number(entry), startTicks: stat.startTicks });
  }
  return found;
}

function stillRunning(p: LoadProcess): boolean {
  const stat = procStat(p.pid);
  return stat !== undefined && stat.startTicks === p.startTicks && stat.state !== 'Z';
}

function procStat(pid: number): { comm: string; state: string; ppid: number; startTicks: string } | undefined {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return undefined;
  }
  // comm is in parentheses and may hold spaces: the fields after it are split from its closing one
  const open = text.indexOf('(');
  const close = text.lastIndexOf(')');
  const rest = text.slice(close + 2).split(' ');
  return { comm: text.slice(open + 1, close), state: rest[0]!, ppid: Number(rest[1]), startTicks: rest[19]! };
}
