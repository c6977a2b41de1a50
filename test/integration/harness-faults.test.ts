import { execFile } from 'node:child_process';
import { rm } from 'node:fs/promises';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { expect } from 'chai';
import { failover } from '../../harness/actions/failover.js';
import { availabilityVerdict } from '../../harness/checkers/availability.js';
import { rtoVerdict } from '../../harness/checkers/rto.js';
import { stalenessVerdict } from '../../harness/checkers/staleness.js';
import type { Verdict } from '../../harness/checkers/verdict.js';
import { FaultInjector } from '../../harness/faults/injector.js';
import { History } from '../../harness/history/history.js';
import { startStalenessProbe } from '../../harness/probes/staleness.js';
import type { RunContext } from '../../harness/run-context.js';
import { referenceStack } from '../../harness/stack/reference-stack.js';
import type { StartedStack } from '../../harness/stack/started-stack.js';
import { upStack } from '../../harness/stack/up.js';
import { sleep } from '../../harness/stack/wait/poll.js';
import { runLoad } from '../../harness/workload/driver.js';
import { seedPatients, type SeededPatient } from '../../harness/workload/seed.js';
import { NOTHING, runObjects } from '../support/docker-objects.js';

const exec = promisify(execFile);

/** Every leaf verdict, so a test can say "none of them passed". */
function leaves(v: Verdict): Verdict[] {
  return v.children && v.children.length > 0 ? v.children.flatMap(leaves) : [v];
}

/** Runs `body`, failing if it takes longer than `ms`: every harness fault must end in bounded time. */
async function within<T>(ms: number, what: string, body: () => Promise<T>): Promise<{ value?: T; error?: Error; ms: number }> {
  const t0 = Date.now();
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`${what} did not end within ${ms} ms`)), ms)));
  try {
    const value = await Promise.race([body(), deadline]);
    return { value, ms: Date.now() - t0 };
  } catch (err) {
    if ((err as Error).message.endsWith(`did not end within ${ms} ms`)) throw err;
    return { error: err as Error, ms: Date.now() - t0 };
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Faults in the harness's own parts: its load generator, its Toxiproxy, its admin links to the databases, and the
 * Docker engine. Each must give a clear error, verdicts of `unknown` (never `pass`) for what could not be measured,
 * heal what can be healed, and end in bounded time.
 */
describe('faults in the harness itself', function () {
  this.timeout(240_000);
  let stack: StartedStack;
  let patients: SeededPatient[];

  before(async () => {
    stack = await upStack(referenceStack());
    patients = await seedPatients(stack.functionUrl('clinical-note'), { patients: 200 });
  });
  after(async () => {
    if (!stack) return;
    await stack.down();
    expect(await runObjects(stack.runId)).to.deep.equal(NOTHING);
  });

  it('epj-load killed mid-run: a clear error at once, and what it could not measure is unknown', async () => {
    const history = new History();
    history.record({ kind: 'phase', name: 'before' });
    const load = runLoad({ stack, history, patients, durationMs: 20_000 });
    await sleep(3000);
    const { stdout } = await exec('pgrep', ['-P', String(process.pid), '-x', 'epj-load']);
    const pid = Number(stdout.trim().split('\n')[0]);
    history.record({ kind: 'phase', name: 'after the kill' });
    process.kill(pid, 'SIGKILL');
    const r = await within(5000, 'the load after its generator died', () => load);
    expect(r.error?.message).to.match(/epj-load exited with (137|signal SIGKILL) after \d+ attempts/);
    await sleep(1500); // the phase after the kill lasts a while: nobody measured it
    history.record({ kind: 'note', message: 'end' });

    expect(availabilityVerdict(history, { phases: ['before'] }).status).to.equal('pass');
    const after = availabilityVerdict(history, { phases: ['after the kill'] });
    expect(leaves(after).map((v) => v.status)).to.not.include('pass');
    expect(after.status).to.equal('unknown');
  });

  it('an admin link to a database unreachable: the failover fails naming it, the replica\'s staleness is unknown, and the link heals', async () => {
    const history = new History();
    const ctx: RunContext = { stack, history };
    const injector = await FaultInjector.start(ctx);
    const probe = await startStalenessProbe(ctx);
    try {
      await sleep(1500);
      history.record({ kind: 'phase', name: 'baseline' });
      await sleep(1500);
      const replicaAdmin = stack.definition.links.find((l) => l.kind === 'admin' && stack.definition.containers.find((c) => c.name === l.upstream.container)?.role === 'db-replica')!;
      const cut = await injector.inject({ kind: 'link-down', target: { links: [replicaAdmin.name] } });
      history.record({ kind: 'phase', name: 'admin link cut', t: cut.appliedAt! });
      await sleep(1500);
      const r = await within(15_000, 'a failover through a dead admin link', () => failover().run(ctx));
      expect(r.error, 'the failover failed').to.be.instanceOf(Error);
      expect(r.error!.message).to.contain(`link '${replicaAdmin.name}'`);
      await sleep(1000);
      await cut.heal(ctx);
      history.record({ kind: 'phase', name: 'healed', t: cut.healedAt! });
      await sleep(1500);
    } finally {
      await probe.stop();
      await injector.close();
    }
    const v = stalenessVerdict(history, { boundMs: 60_000, phases: ['admin link cut'], readers: ['b-db'] });
    expect(v.status, v.summary).to.equal('unknown');
    expect(leaves(v).map((x) => x.status)).to.not.include('pass');
    expect(stalenessVerdict(history, { boundMs: 5000, phases: ['baseline'], readers: ['b-db'] }).status).to.equal('pass');
    // nothing was promoted: the stack is still the two-site stack it was
    await stack.awaitHealthy(30_000);
  });

  it('the harness\'s Toxiproxy killed mid-run: every verdict over it is unknown, not a failed EPJ, and the run still ends and cleans up', async () => {
    const history = new History();
    const ctx: RunContext = { stack, history };
    const injector = await FaultInjector.start(ctx);
    const stop = new AbortController();
    history.record({ kind: 'phase', name: 'before' });
    const load = runLoad({ stack, history, patients, durationMs: 0, signal: stop.signal });
    let closing: { error?: Error; ms: number };
    try {
      await sleep(3000);
      // a self-watch sample covers the second before it, so the one that sees Toxiproxy gone also covers this gap
      history.record({ kind: 'phase', name: 'gap' });
      await sleep(1200);
      const toxiproxy = (await stack.containers()).find((c) => c.site === 'harness' && c.role === 'toxiproxy')!;
      history.record({ kind: 'phase', name: 'toxiproxy dead' });
      await stack.docker.getContainer(toxiproxy.id).kill({ signal: 'SIGKILL' });
      await sleep(3000);
    } finally {
      stop.abort();
      await load;
      // healing needs Toxiproxy: it must fail clearly and quickly, not hang
      closing = await within(20_000, 'healing with Toxiproxy gone', () => injector.close());
    }
    const dead = availabilityVerdict(history, { phases: ['toxiproxy dead'] });
    for (const v of leaves(dead)) {
      expect(v.status, v.summary).to.equal('unknown');
      expect(v.summary).to.match(/harness's own toxiproxy did not answer/);
    }
    expect(availabilityVerdict(history, { phases: ['before'] }).status).to.equal('pass');
    console.log(`      healing without Toxiproxy: ${closing.error ? `failed in ${closing.ms} ms: ${closing.error.message.slice(0, 120)}` : `done in ${closing.ms} ms`}`);
  });
});

describe('faults in the harness itself: the Docker engine unreachable mid-run', function () {
  this.timeout(180_000);
  const socket = path.join(tmpdir(), `epj-chaos-docker-proxy-${process.pid}.sock`);
  let proxy: net.Server | undefined;
  const open = new Set<net.Socket>();
  let stack: StartedStack | undefined;
  const realHost = process.env.DOCKER_HOST;

  /** A socket proxy in front of the daemon, so the test can cut the harness off without touching the daemon. */
  async function startProxy(): Promise<void> {
    await rm(socket, { force: true });
    proxy = net.createServer((client) => {
      const engine = net.connect('/var/run/docker.sock');
      for (const s of [client, engine]) {
        open.add(s);
        s.on('close', () => open.delete(s));
        s.on('error', () => {});
      }
      client.pipe(engine).pipe(client);
    });
    await new Promise<void>((resolve) => proxy!.listen(socket, resolve));
  }

  async function cutProxy(): Promise<void> {
    await new Promise<void>((resolve) => proxy!.close(() => resolve()));
    for (const s of open) s.destroy();
    proxy = undefined;
  }

  before(async () => {
    await startProxy();
    process.env.DOCKER_HOST = `unix://${socket}`;
    try {
      stack = await upStack(referenceStack());
    } finally {
      if (realHost === undefined) delete process.env.DOCKER_HOST;
      else process.env.DOCKER_HOST = realHost;
    }
  });
  after(async () => {
    if (!proxy) await startProxy(); // give the harness its engine back to tear down
    await stack?.down();
    if (stack) expect(await runObjects(stack.runId)).to.deep.equal(NOTHING);
    if (proxy) await cutProxy();
    await rm(socket, { force: true });
  });

  it('a container fault fails at once with a clear error, its RTO is unknown, Toxiproxy is still healed, and the run ends', async () => {
    const history = new History();
    const ctx: RunContext = { stack: stack!, history };
    const injector = await FaultInjector.start(ctx);
    const latency = await injector.inject({ kind: 'latency', target: { kind: 'front-door' }, latencyMs: 50 });
    await cutProxy();
    const kill = await within(10_000, 'a container kill without an engine', () => injector.inject({ kind: 'container-kill', target: { site: 'b', role: 'lookup' } }));
    expect(kill.error?.message).to.match(/ENOENT|ECONNREFUSED|docker|engine|socket/i);
    const closing = await within(20_000, 'healing without an engine', () => injector.close());
    // the toxic needed no engine: it is healed whatever became of the rest
    expect(latency.state).to.equal('healed');
    const proxies = (await (await fetch(`${stack!.toxiproxyApi}/proxies`)).json()) as Record<string, { toxics: unknown[] }>;
    expect(Object.values(proxies).flatMap((p) => p.toxics)).to.deep.equal([]);
    const rto = rtoVerdict(history, {});
    expect(leaves(rto).map((v) => v.status)).to.not.include('pass');
    console.log(`      kill failed in ${kill.ms} ms (${kill.error?.message.slice(0, 100)}); healing ended in ${closing.ms} ms${closing.error ? ` with: ${closing.error.message.slice(0, 100)}` : ''}`);
  });
});
