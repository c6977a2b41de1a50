/**
 * Benchmark: how fast the driver ingests epj-load's NDJSON (line parser + 1-s bucket aggregator), against how fast
 * epj-load emits lines at full load on this machine. Prints figures; asserts nothing.
 *   node dist/bench/ingestion.js                 (1e6 synthetic lines + a live epj-load run at ×3 the default profile)
 *   BENCH_LINES=2000000 BENCH_LIVE=0 node dist/bench/ingestion.js
 */
import { spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { History } from '../harness/history/history.js';
import { CLINICAL_FUNCTIONS, type ClinicalFunction } from '../harness/stack/definition.js';
import { referenceStack } from '../harness/stack/reference-stack.js';
import { upStack } from '../harness/stack/up.js';
import { BucketAggregator, defaultProfile, parseLoadLine, runLoad, scaleProfile, seedPatients } from '../harness/workload/index.js';

const LINES = Number(process.env.BENCH_LINES ?? 1_000_000);
const LIVE = process.env.BENCH_LIVE !== '0';
const POOL = 20_000; // 20 s of lines at 1000/s, reused with a time offset per pass
const POOL_SPAN_MS = 20_000;

const WRITE_TYPES: Partial<Record<ClinicalFunction, string>> = {
  'clinical-note': 'DocumentReference',
  admission: 'Encounter',
  discharge: 'Encounter',
  referral: 'ServiceRequest',
  'e-prescription': 'MedicationRequest',
};

/** Lines shaped as epj-load prints them: the default mix, ~1 % failures, writes with ids. */
function syntheticPool(t0: number): string[] {
  const weights = CLINICAL_FUNCTIONS.map((fn) => defaultProfile[fn]);
  const total = weights.reduce((a, b) => a + b, 0);
  const lines: string[] = [];
  for (let i = 0; i < POOL; i++) {
    let r = (i * 7919) % total;
    let k = 0;
    while (r >= weights[k]!) r -= weights[k++]!;
    const fn = CLINICAL_FUNCTIONS[k]!;
    const ok = i % 100 !== 0;
    const line: Record<string, unknown> = {
      t: t0 + (i * POOL_SPAN_MS) / POOL,
      fn,
      ok,
      status: ok ? (WRITE_TYPES[fn] ? 201 : 200) : 0,
      latencyMs: 3 + ((i * 37) % 400) / 10,
      cause: ok ? null : 'timeout',
    };
    const type = WRITE_TYPES[fn];
    if (type) {
      line.write = ok
        ? { writeId: `w-${i.toString(36)}-${fn}`, resourceType: type, resourceId: `3f6c1d2e-${i.toString(16).padStart(8, '0')}-4a1b-9c7d-2e5f8a0b1c3d`, versionId: '1', outcome: 'acknowledged' }
        : { writeId: `w-${i.toString(36)}-${fn}`, resourceType: type, outcome: 'unknown' };
    }
    if (!ok) line.detail = 'context deadline exceeded (Client.Timeout exceeded while awaiting headers)';
    lines.push(JSON.stringify(line));
  }
  return lines;
}

const mb = (bytes: number) => `${(bytes / 2 ** 20).toFixed(1)} MB`;

function ingestInProcess(pool: string[]): { linesPerSec: number; buckets: number; rssBefore: number; rssAfter: number; heapAfter: number } {
  const history = new History();
  const agg = new BucketAggregator({ emit: (b) => history.record({ kind: 'requests', t: b.bucket, ...b }) });
  global.gc?.();
  const rssBefore = process.memoryUsage().rss;
  const start = performance.now();
  for (let n = 0; n < LINES; n++) {
    const parsed = parseLoadLine(pool[n % POOL]!, n + 1);
    if (parsed.type !== 'attempt') continue;
    const a = parsed.attempt;
    a.t += Math.floor(n / POOL) * POOL_SPAN_MS;
    agg.add(a);
    if ((n & 1023) === 0) agg.flushDue(a.t);
  }
  agg.flushAll();
  const secs = (performance.now() - start) / 1000;
  global.gc?.();
  const mem = process.memoryUsage();
  return { linesPerSec: LINES / secs, buckets: agg.emitted, rssBefore, rssAfter: mem.rss, heapAfter: mem.heapUsed };
}

/** The driver's real path: readline over a child's stdout (cat of the pool file, repeated). */
async function ingestPiped(pool: string[]): Promise<{ linesPerSec: number; lines: number }> {
  const dir = await mkdtemp(path.join(tmpdir(), 'epj-ingest-'));
  try {
    const file = path.join(dir, 'pool.ndjson');
    await writeFile(file, pool.join('\n') + '\n');
    const passes = Math.ceil(LINES / POOL);
    const child = spawn('sh', ['-c', `i=0; while [ $i -lt ${passes} ]; do cat "$1"; i=$((i+1)); done`, 'sh', file], { stdio: ['ignore', 'pipe', 'inherit'] });
    const agg = new BucketAggregator({ emit: () => {} });
    const rl = createInterface({ input: child.stdout, crlfDelay: Infinity });
    let n = 0;
    const start = performance.now();
    for await (const text of rl) {
      const parsed = parseLoadLine(text, ++n);
      if (parsed.type === 'attempt') {
        parsed.attempt.t += Math.floor((n - 1) / POOL) * POOL_SPAN_MS;
        agg.add(parsed.attempt);
        if ((n & 1023) === 0) agg.flushDue(parsed.attempt.t);
      }
    }
    agg.flushAll();
    return { linesPerSec: n / ((performance.now() - start) / 1000), lines: n };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** Lines per second epj-load emits at ×factor of the default profile against the reference stack here. */
async function liveEmission(factor: number, durationMs: number): Promise<{ linesPerSec: number; success: number }> {
  const stack = await upStack(referenceStack());
  try {
    const patients = await seedPatients(stack.functionUrl('admission'), { patients: 300 });
    await new Promise((r) => setTimeout(r, 2000)); // let the replica catch up for the read-only lookups
    const history = new History();
    const res = await runLoad({ stack, history, patients, durationMs, profile: scaleProfile(defaultProfile, factor) });
    const ok = history.ofKind('requests').reduce((s, b) => s + b.successes, 0);
    return { linesPerSec: res.attempts / (res.summary.durationMs / 1000), success: ok / res.attempts };
  } finally {
    await stack.down();
  }
}

const pool = syntheticPool(Math.floor(Date.now() / 1000) * 1000);
console.log(`ingestion benchmark: ${LINES.toLocaleString('en')} synthetic epj-load lines (default mix, ~1 % failures), node ${process.version}`);
const mem0 = process.memoryUsage();
console.log(`  RSS at start (pool of ${POOL} lines built): ${mb(mem0.rss)}`);
const inProc = ingestInProcess(pool);
console.log(
  `  in-process parse + aggregate: ${Math.round(inProc.linesPerSec).toLocaleString('en')} lines/s; ${inProc.buckets} buckets; ` +
    `RSS before ${mb(inProc.rssBefore)} → after ${mb(inProc.rssAfter)} (heap used ${mb(inProc.heapAfter)})`,
);
const piped = await ingestPiped(pool);
console.log(`  readline over a pipe (the driver's path): ${Math.round(piped.linesPerSec).toLocaleString('en')} lines/s (${piped.lines.toLocaleString('en')} lines)`);
console.log(`  RSS at the end: ${mb(process.memoryUsage().rss)}`);
if (LIVE) {
  const factor = Number(process.env.BENCH_FACTOR ?? 3);
  const live = await liveEmission(factor, 8000);
  console.log(
    `  epj-load at ×${factor} the default profile here: ${Math.round(live.linesPerSec)} lines/s emitted (${(100 * live.success).toFixed(2)} % ok)`,
  );
  console.log(
    `  ratio ingestion : emission = ${(piped.linesPerSec / live.linesPerSec).toFixed(0)}× (piped), ${(inProc.linesPerSec / live.linesPerSec).toFixed(0)}× (in-process); target ≥ 20×`,
  );
}
