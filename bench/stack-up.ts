/**
 * Benchmark: time from nothing to every container of the reference stack ready (`up`), and `down`, over several
 * runs — beside the same containers started and awaited one at a time, and beside the best-known peer:
 * Testcontainers (a dev dependency) starting ONE PostgreSQL container from the same image, until PostgreSQL says it
 * accepts connections. Testcontainers' reaper (Ryuk) is off: its image cannot be pulled here. And beside the
 * engine's own floor for a stack of this shape (measureEngineFloor). Prints figures; asserts nothing.
 *   npm run bench            (5 runs each)     BENCH_RUNS=10 npm run bench
 */
import { parseStackDefinition, type StackDefinition } from '../harness/stack/definition.js';
import { referenceStack } from '../harness/stack/reference-stack.js';
import { toxiproxyPorts, upStack, type UpStage } from '../harness/stack/up.js';
import { createRequire } from 'node:module';
import { hostname } from 'node:os';
import { connectDocker } from '../harness/docker/client.js';
import { runLabels } from '../harness/docker/labels.js';
import { removeRun } from '../harness/docker/reaper.js';
import { IMAGES } from '../harness/images/catalog.js';
import { newRunId, objectName, siteNetwork, TOXIPROXY, wanNetwork } from '../harness/stack/names.js';

const TESTCONTAINERS_VERSION = (createRequire(import.meta.url)('testcontainers/package.json') as { version: string }).version;

const runs = Number(process.env.BENCH_RUNS ?? 5);

/** The same stack with each container waiting for the one before it to be ready: one at a time. */
function oneAtATime(def: StackDefinition): StackDefinition {
  const order: string[] = [];
  const visit = (name: string) => {
    if (order.includes(name)) return;
    for (const d of def.containers.find((c) => c.name === name)!.dependsOn) visit(d.container);
    order.push(name);
  };
  def.containers.forEach((c) => visit(c.name));
  const byName = new Map(def.containers.map((c) => [c.name, c]));
  return {
    ...def,
    containers: order.map((name, i) => {
      const c = byName.get(name)!;
      const prev = i > 0 ? byName.get(order[i - 1]!)! : undefined;
      return prev ? { ...c, dependsOn: [{ container: prev.name, condition: prev.ready ? 'ready' : 'started' }] } : c;
    }),
  };
}

/** per part, per stage: the instants (ms since `up` was called) over the runs */
type Breakdown = Map<string, Map<UpStage, number[]>>;

async function measure(def: StackDefinition, breakdown?: Breakdown) {
  const up: number[] = [];
  const down: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    const trace = (part: string, stage: UpStage) => {
      if (!breakdown) return;
      const stages = breakdown.get(part) ?? breakdown.set(part, new Map()).get(part)!;
      (stages.get(stage) ?? stages.set(stage, []).get(stage)!).push(performance.now() - t0);
    };
    const stack = await upStack(def, { trace });
    const t1 = performance.now();
    await stack.down();
    const t2 = performance.now();
    up.push(t1 - t0);
    down.push(t2 - t1);
    process.stdout.write('.');
  }
  return { up, down };
}

function stats(xs: number[]) {
  const s = [...xs].sort((a, b) => a - b);
  const median = s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
  return { median, min: s[0]!, max: s[s.length - 1]! };
}

/**
 * Where `up`'s time goes: for each part, the median instant (since `up` was called) at which it reached each stage
 * — its dependencies met, created, started, ready — in the order the parts became ready. The last ready part is
 * the end of the critical path; the gaps before it say which stage to shorten.
 */
function printBreakdown(b: Breakdown) {
  const order: UpStage[] = ['waiting done', 'created', 'started', 'ready'];
  const at = (stages: Map<UpStage, number[]>, s: UpStage) => (stages.get(s) ? stats(stages.get(s)!).median : undefined);
  const rows = [...b.entries()].map(([part, stages]) => ({ part, cells: order.map((s) => at(stages, s)) }));
  const last = (r: (typeof rows)[number]) => Math.max(...r.cells.filter((c): c is number => c !== undefined));
  rows.sort((x, y) => last(x) - last(y));
  console.log(`\n  where up's time goes (median instant since up began, ms):`);
  console.log(`  ${'part'.padEnd(24)}${order.map((s) => s.padStart(14)).join('')}`);
  for (const r of rows) console.log(`  ${r.part.padEnd(24)}${r.cells.map((c) => (c === undefined ? '—' : c.toFixed(0)).padStart(14)).join('')}`);
}

const fmt = (ms: number) => `${(ms / 1000).toFixed(2)} s`;
const line = (label: string, xs: number[]) => {
  const { median, min, max } = stats(xs);
  console.log(`  ${label.padEnd(28)} median ${fmt(median)}   min ${fmt(min)}   max ${fmt(max)}   (n=${xs.length})`);
};

/** Testcontainers starting one PostgreSQL container from the reference stack's database image, and stopping it. */
async function measureTestcontainers(image: string) {
  process.env.TESTCONTAINERS_RYUK_DISABLED = 'true';
  const { GenericContainer, Wait } = await import('testcontainers');
  const up: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    const c = await new GenericContainer(image)
      .withEnvironment({ EPJ_DB_ROLE: 'primary' })
      .withExposedPorts(5432)
      // the image's entrypoint logs it once the cluster accepts connections (docker/postgres/entrypoint.sh)
      .withWaitStrategy(Wait.forLogMessage(/database system is ready to accept connections/))
      .start();
    up.push(performance.now() - t0);
    await c.stop({ remove: true, removeVolumes: true });
    process.stdout.write('.');
  }
  return up;
}

/**
 * The engine's own floor for a stack of this shape: its networks, then every container of it and Toxiproxy —
 * each on the same networks, Toxiproxy with as many published ports — created and started at once, but running
 * `sleep` from the base image, so nothing boots. No ordering or readiness on the harness's side can bring `up`
 * below this; what `up` spends above it is the stack's own start (databases, replica) and the harness.
 */
async function measureEngineFloor(def: StackDefinition) {
  const docker = await connectDocker();
  const floor: number[] = [];
  const startAll: number[] = [];
  for (let i = 0; i < runs; i++) {
    const run = newRunId();
    const labels = runLabels({ run, stack: 'engine-floor', ownerPid: process.pid, ownerHost: hostname(), detached: false });
    const idle = { Image: IMAGES.base, Entrypoint: ['sleep', 'infinity'], Labels: labels };
    try {
      const t0 = performance.now();
      const [wan, ...sites] = await Promise.all([
        docker.createNetwork({ Name: wanNetwork(run), Driver: 'bridge', Labels: labels }),
        ...def.sites.map((s) => docker.createNetwork({ Name: siteNetwork(run, s.id), Driver: 'bridge', Internal: true, Labels: labels })),
      ]);
      const siteNet = new Map(def.sites.map((s, k) => [s.id, sites[k]!.id]));
      const { exposed, bindings } = toxiproxyPorts(def);
      const proxy = docker
        .createContainer({ ...idle, name: objectName(run, TOXIPROXY), ExposedPorts: exposed, HostConfig: { NetworkMode: wan!.id, PortBindings: bindings } })
        .then(async (c) => (await Promise.all(sites.map((n) => n.connect({ Container: c.id }))), c));
      const containers = await Promise.all([
        proxy,
        ...def.containers.filter((c) => c.startAtUp).map((c) => docker.createContainer({ ...idle, name: objectName(run, c.name), HostConfig: { NetworkMode: siteNet.get(c.site)! } })),
      ]);
      const t1 = performance.now();
      await Promise.all(containers.map((c) => c.start()));
      const t2 = performance.now();
      floor.push(t2 - t0);
      startAll.push(t2 - t1);
    } finally {
      await removeRun(docker, run);
    }
    process.stdout.write('.');
  }
  return { floor, startAll };
}

const parallel = parseStackDefinition(referenceStack());
const serial = oneAtATime(parallel);
// one warm-up so page cache and image layers are hot for both variants alike
await (await upStack(parallel)).down();
const breakdown: Breakdown = new Map();
const par = await measure(parallel, breakdown);
const ser = await measure(serial);
console.log(`\nreference stack, ${parallel.containers.length} containers + Toxiproxy, ${runs} runs each`);
line('up (harness, parallel)', par.up);
printBreakdown(breakdown);
line('down', par.down);
line('up (one at a time)', ser.up);
line('down (one at a time stack)', ser.down);
const ratio = stats(par.up).median / stats(ser.up).median;
console.log(`\n  up parallel / one at a time: ${ratio.toFixed(2)}×   (target ≤ 0.5×, and ≤ 6 s)`);

const engine = await measureEngineFloor(parallel);
console.log(`\nthe engine alone: the same ${parallel.containers.filter((c) => c.startAtUp).length + 1} containers and networks running sleep, ${runs} runs`);
line('networks, create, start', engine.floor);
line('of which starting them all', engine.startAll);

const database = parallel.containers.find((c) => c.role === 'db-primary')!.image;
const tc = await measureTestcontainers(database);
console.log(`\nTestcontainers ${TESTCONTAINERS_VERSION}, one PostgreSQL container from ${database} (Ryuk off), ${runs} runs`);
line('start (Testcontainers)', tc);
const peer = stats(par.up).median / stats(tc).median;
console.log(`\n  reference stack up / one Testcontainers PostgreSQL: ${peer.toFixed(2)}×   (target ≤ 1.5×)`);
console.log(`  the engine's floor for this stack / one Testcontainers PostgreSQL: ${(stats(engine.floor).median / stats(tc).median).toFixed(2)}×`);
