/**
 * Benchmark: the matrix's memory against its number of cells. Runs the first N cells of the reference matrix
 * (cycling through the fault kinds, so every kind's events are in it) on one stack, samples the process's heap
 * (after a full GC, so it is what is kept, not what is garbage) and resident size as each cell starts, then writes
 * the matrix and samples the peak resident size while its journal is written. Prints the figures and the heap's
 * growth per cell over the second half of the run; asserts nothing.
 *   node --expose-gc dist/bench/matrix-memory.js          BENCH_CELLS=40 node --expose-gc dist/bench/matrix-memory.js
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { matrixCells, type MatrixCell } from '../harness/matrix/cells.js';
import { runMatrix } from '../harness/matrix/run-matrix.js';
import { writeMatrix } from '../harness/matrix/write.js';
import { parseStackDefinition } from '../harness/stack/definition.js';
import { referenceStack } from '../harness/stack/reference-stack.js';

const wanted = Number(process.env.BENCH_CELLS ?? 20);
const gc = (globalThis as { gc?: () => void }).gc;
if (!gc) console.log('(run with node --expose-gc for heap figures after a full collection)');

// one cell of each kind in turn, then the next of each kind: every kind's events, however few cells
const def = parseStackDefinition(referenceStack());
const byKind = new Map<string, MatrixCell[]>();
for (const c of matrixCells(def)) byKind.set(c.fault.kind, [...(byKind.get(c.fault.kind) ?? []), c]);
const cells: MatrixCell[] = [];
for (let round = 0; cells.length < wanted && round < 100; round++) {
  for (const list of byKind.values()) if (list[round] && cells.length < wanted) cells.push(list[round]!);
}

const mb = (n: number) => n / 1024 / 1024;
const samples: { cell: number; heapMb: number; rssMb: number }[] = [];
const sample = (cell: number) => {
  gc?.();
  const m = process.memoryUsage();
  samples.push({ cell, heapMb: mb(m.heapUsed), rssMb: mb(m.rss) });
};

console.log(`${cells.length} cells of the reference matrix (${byKind.size} fault kinds) on one stack\n`);
const started = Date.now();
const run = await runMatrix({
  stack: referenceStack(),
  cells,
  log: (line) => {
    const m = /^cell (\d+)\//.exec(line);
    if (m) sample(Number(m[1]));
  },
});
sample(cells.length + 1);

const dir = await mkdtemp(path.join(tmpdir(), 'epj-chaos-matrix-memory-'));
let peakRss = process.memoryUsage().rss;
const watch = setInterval(() => (peakRss = Math.max(peakRss, process.memoryUsage().rss)), 10);
const writeStarted = Date.now();
try {
  await writeMatrix(run, { reportDir: dir });
} finally {
  clearInterval(watch);
}
const writeMs = Date.now() - writeStarted;
await rm(dir, { recursive: true, force: true });

console.log('cell  heap used  resident');
for (const s of samples) console.log(`${String(s.cell <= cells.length ? s.cell : 'end').padStart(4)}  ${s.heapMb.toFixed(1).padStart(6)} MB  ${s.rssMb.toFixed(1).padStart(6)} MB`);
const half = samples.slice(Math.floor(samples.length / 2), cells.length);
const slope = half.length > 1 ? (half.at(-1)!.heapMb - half[0]!.heapMb) / (half.at(-1)!.cell - half[0]!.cell) : NaN;
console.log(`\nheap growth over the second half: ${slope.toFixed(2)} MB a cell (${half[0]?.cell}→${half.at(-1)?.cell})`);
console.log(`events in memory at the end: ${run.history.all().length}; spilled to disk as cells were judged: ${run.spill.size}`);
console.log(`writing the matrix (journal, matrix.json, matrix.html): ${writeMs} ms, peak resident ${mb(peakRss).toFixed(1)} MB`);
console.log(`${cells.length} cells in ${((Date.now() - started) / 60_000).toFixed(1)} min`);
