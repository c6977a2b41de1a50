/**
 * Benchmark: the matrix's analysis after its last cell, replayed from a saved matrix (its journal.json and
 * matrix.json side by side). Each cell is judged again on its slice of the history (harness/matrix/cell-result.ts)
 * and on the whole history, as the matrix did before slicing; prints both times and every cell whose row differs
 * from the saved matrix.json. Asserts nothing; exit 1 only when the directory cannot be read.
 *   node dist/bench/matrix-analysis.js reports/matrix-<run>/
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import type { History } from '../harness/history/history.js';
import { cellResult, type CellSpan } from '../harness/matrix/cell-result.js';
import type { CellResult } from '../harness/matrix/result.js';
import { journalHistory, readJournal } from '../harness/reporters/journal-schema.js';
import { parseStackDefinition, type ClinicalFunction } from '../harness/stack/definition.js';

const dir = process.argv[2];
if (!dir) {
  console.error('usage: node dist/bench/matrix-analysis.js <matrix report directory>');
  process.exit(2);
}
const journal = await readJournal(path.join(dir, 'journal.json'));
const saved = JSON.parse(await readFile(path.join(dir, 'matrix.json'), 'utf8')) as { cells: CellResult[] };
const history = journalHistory(journal);
const definition = parseStackDefinition(journal.definition);
const functions = Object.keys(saved.cells.find((c) => c.status === 'measured')?.functions ?? {}) as ClinicalFunction[];

const spans = spansOf(history, saved.cells);
console.log(`${saved.cells.length} cells, ${history.all().length} events, ${functions.length} functions`);

const timed = (label: string, judge: (s: CellSpan, c: CellResult) => CellResult) => {
  const t0 = performance.now();
  const results = spans.map((s, i) => judge(s, saved.cells[i]!));
  const ms = performance.now() - t0;
  const differ = results.filter((r, i) => !isDeepStrictEqual(r, saved.cells[i]));
  console.log(`${label.padEnd(24)} ${(ms / 1000).toFixed(2)} s (${(ms / spans.length).toFixed(1)} ms a cell); cells differing from matrix.json: ${differ.length}`);
  for (const r of differ.slice(0, 5)) {
    const was = saved.cells.find((c) => c.cell.id === r.cell.id)!;
    console.log(`  ${r.cell.id}:\n    now   ${JSON.stringify(r.functions)}\n    saved ${JSON.stringify(was.functions)}`);
  }
};
const lostOf = (c: CellResult) => (c.lostWrites === null ? Number.NaN : c.lostWrites);
const rebuilt = (c: CellResult) => c.restore === 'rebuilt';
timed('sliced (as now)', (s, c) => cellResult(history, definition, functions, s, lostOf(c), rebuilt(c)));
if (process.env.BENCH_WHOLE !== '0') {
  // the whole history as each cell's slice: what the analysis read before (slower by the number of cells)
  timed('whole history (before)', (s, c) => cellResult(history, definition, functions, { ...s, startedAt: Number.NEGATIVE_INFINITY, endedAt: s.endedAt }, lostOf(c), rebuilt(c)));
}

/** Each cell's span again, from its phase marks: it began at its baseline and ended where the next began. */
function spansOf(h: History, cells: CellResult[]): CellSpan[] {
  const marks = h.ofKind('phase');
  const begins = cells.map((c) => marks.find((m) => m.name === `${c.cell.id} · baseline`)?.t ?? Number.NaN);
  const end = marks.find((m) => m.name === 'end')?.t ?? Number.POSITIVE_INFINITY;
  const faults = h.ofKind('fault');
  return cells.map((c, i) => {
    const startedAt = begins[i]!;
    const endedAt = begins[i + 1] ?? end;
    const faultId = faults.find((f) => f.t >= startedAt && f.t <= endedAt && f.stage === 'applied')?.id;
    return {
      cell: { id: c.cell.id, target: c.cell.target, takesAwayFrom: c.cell.takesAwayFrom, fault: { kind: c.cell.kind } },
      startedAt,
      endedAt,
      ...(faultId ? { faultId } : {}),
      ...(c.status === 'failed' ? { failed: c.reason ?? 'failed' } : {}),
      ...c.timings,
    };
  });
}
