/**
 * Benchmark: ramp the default clinical mix (×1, ×2, ×3, …) against the reference stack with the load generator
 * on the same machine. Per step: achieved HTTP requests/s, success %, p50/p99 per function, and where the CPU went
 * (per container, from dockerode `container.stats({ stream: false })`, like `docker stats --no-stream`).
 * Target: ≥ 1,000 mixed HTTP req/s with p99 ≤ 100 ms. Prints figures; asserts nothing.
 *   node dist/bench/capacity.js            BENCH_FACTORS=1,2,3,4 BENCH_STEP_MS=8000 node dist/bench/capacity.js
 */
import os from 'node:os';
import type Docker from 'dockerode';
import { mergeBuckets } from '../harness/checkers/buckets.js';
import { LABEL, labelFilter } from '../harness/docker/labels.js';
import { History } from '../harness/history/history.js';
import { CLINICAL_FUNCTIONS } from '../harness/stack/definition.js';
import { referenceStack } from '../harness/stack/reference-stack.js';
import type { StartedStack } from '../harness/stack/started-stack.js';
import { upStack } from '../harness/stack/up.js';
import { defaultProfile, profileTotals, REQUESTS_PER_ATTEMPT, runLoad, scaleProfile, seedPatients } from '../harness/workload/index.js';

const FACTORS = (process.env.BENCH_FACTORS ?? '1,2,3,4').split(',').map(Number);
const STEP_MS = Number(process.env.BENCH_STEP_MS ?? 8000);

interface CpuSample {
  name: string;
  total: number;
  system: number;
  cpus: number;
}

async function cpuSamples(stack: StartedStack): Promise<CpuSample[]> {
  const list = await stack.docker.listContainers({ filters: labelFilter(stack.runId) });
  return Promise.all(
    list.map(async (c) => {
      const s = (await stack.docker.getContainer(c.Id).stats({ stream: false })) as Docker.ContainerStats;
      return {
        name: c.Labels[LABEL.component] ?? c.Names[0] ?? c.Id.slice(0, 12),
        total: s.cpu_stats.cpu_usage.total_usage,
        system: s.cpu_stats.system_cpu_usage,
        cpus: s.cpu_stats.online_cpus ?? os.cpus().length,
      };
    }),
  );
}

/** CPU % (of one core, as docker stats shows it) per container between two samples. */
function cpuPercent(before: CpuSample[], after: CpuSample[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const a of after) {
    const b = before.find((x) => x.name === a.name);
    if (!b || a.system <= b.system) continue;
    out[a.name] = ((a.total - b.total) / (a.system - b.system)) * a.cpus * 100;
  }
  return out;
}

function selfCpu(): () => number {
  const t0 = performance.now();
  const u0 = process.cpuUsage();
  return () => {
    const u = process.cpuUsage(u0);
    return ((u.user + u.system) / 1000 / (performance.now() - t0)) * 100;
  };
}

const stack = await upStack(referenceStack());
try {
  const patients = await seedPatients(stack.functionUrl('admission'), { patients: 1000 });
  await new Promise((r) => setTimeout(r, 3000));
  console.log(`capacity ramp on ${os.cpus().length} cores (${os.cpus()[0]?.model}), ${STEP_MS} ms per step, load generator on the same machine`);
  for (const factor of FACTORS) {
    const profile = scaleProfile(defaultProfile, factor);
    const history = new History();
    const before = await cpuSamples(stack);
    const self = selfCpu();
    const res = await runLoad({ stack, history, patients, durationMs: STEP_MS, profile });
    const nodeCpu = self();
    const after = await cpuSamples(stack);
    const secs = res.summary.durationMs / 1000;
    const buckets = history.ofKind('requests');
    let requests = 0;
    let attempts = 0;
    let ok = 0;
    const rows: string[] = [];
    for (const fn of CLINICAL_FUNCTIONS) {
      const t = mergeBuckets(buckets.filter((b) => b.fn === fn));
      if (t.attempts === 0) continue;
      attempts += t.attempts;
      ok += t.successes;
      requests += t.successes * REQUESTS_PER_ATTEMPT[fn] + (t.attempts - t.successes); // a failed chain: count one
      // per-bucket percentiles only (the driver keeps no run-wide histogram): median of the bucket p50s / p99s, and the worst p99
      const mine = buckets.filter((b) => b.fn === fn && b.attempts > 0);
      const med = (xs: number[]) => xs.sort((a, b) => a - b)[xs.length >> 1] ?? NaN;
      const p50 = med(mine.map((b) => b.latencyMs.p50));
      const p99 = med(mine.map((b) => b.latencyMs.p99));
      const worst = Math.max(...mine.map((b) => b.latencyMs.p99));
      rows.push(
        `    ${fn.padEnd(17)} ${(t.attempts / secs).toFixed(0).padStart(5)}/s ${(100 * (t.availability ?? 0)).toFixed(2).padStart(6)} %  ` +
          `p50 ${p50.toFixed(1)} ms  p99 ${p99.toFixed(1)} ms (worst bucket ${worst.toFixed(1)} ms)`,
      );
    }
    const expected = profileTotals(profile).httpRequestsPerSecond;
    const cpu = Object.entries(cpuPercent(before, after)).sort((a, b) => b[1] - a[1]).map(([n, p]) => `${n} ${p.toFixed(0)} %`);
    console.log(
      `  ×${factor}: ${(requests / secs).toFixed(0)} HTTP req/s achieved of ${expected} offered, ${(attempts / secs).toFixed(0)} attempts/s, ` +
        `${((100 * ok) / attempts).toFixed(2)} % ok` + (res.summary ? `, expected attempts ${Object.values(res.summary.functions).reduce((s, f) => s + (f?.expected ?? 0), 0)}` : ''),
    );
    for (const r of rows) console.log(r);
    console.log(`    CPU (100 % = one core): ${cpu.join(', ')}; this node process ${nodeCpu.toFixed(0)} %; epj-load = the rest of the host`);
    console.log(`    load average ${os.loadavg().map((x) => x.toFixed(2)).join(' ')}`);
  }
} finally {
  await stack.down();
}
