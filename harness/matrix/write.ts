import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { writeJournal } from '../reporters/journal.js';
import { CLINICAL_FUNCTIONS } from '../stack/definition.js';
import type { MatrixExpectation, Violation } from './expectations.js';
import { violations as violationsOf } from './expectations.js';
import { hiddenDependencies, type HiddenDependency } from './hidden-dependencies.js';
import { renderMatrixHtml } from './html.js';
import type { MatrixRun } from './run-matrix.js';
import { renderMatrixTable } from './table.js';

export const MATRIX_SCHEMA_VERSION = 1;

export interface MatrixOutcome {
  dir: string;
  files: string[];
  table: string;
  hidden: HiddenDependency[];
  violations: Violation[];
}

/**
 * What a matrix leaves: its journal (the whole history: every cell's phases, requests, faults, staleness — the
 * experiments' format, the judged cells' events from the run's spill, so `epj-chaos report` and `compare` read it), `matrix.json` (one entry per cell: each
 * function's availability during the fault and its time back after the heal, lost writes, staleness, how the stack
 * was restored, the cell's timings), and `matrix.html`.
 */
export async function writeMatrix(run: MatrixRun, opts: { reportDir?: string; expectations?: readonly MatrixExpectation[] }): Promise<MatrixOutcome> {
  const functions = CLINICAL_FUNCTIONS.filter((fn) => run.definition.functions[fn]);
  const hidden = hiddenDependencies(run.definition, run.results);
  const violations = opts.expectations ? violationsOf(opts.expectations, run.results) : [];
  const title = `Failure-mode matrix of stack '${run.definition.name}' (${run.results.length} cells)`;
  // the cells judged during the run are in its spill; written ahead of the events still in memory, then removed
  const journal = await writeJournal(
    { experiment: title, status: run.interrupted ? 'interrupted' : violations.length > 0 ? 'failed' : 'completed', ...(run.runIds[0] ? { runId: `matrix-${run.runIds[0]}` } : {}), verdicts: [], history: run.history, definition: run.definition, provenance: run.provenance },
    opts.reportDir,
    undefined,
    run.spill,
  ).finally(() => run.spill.dispose());
  const dir = path.dirname(journal);
  await mkdir(dir, { recursive: true });
  const json = path.join(dir, 'matrix.json');
  await writeFile(json, `${JSON.stringify({ schemaVersion: MATRIX_SCHEMA_VERSION, stack: run.definition.name, runIds: run.runIds, wallMs: run.wallMs, cells: run.results, hiddenDependencies: hidden, violations }, null, 2)}\n`);
  const html = path.join(dir, 'matrix.html');
  await writeFile(html, renderMatrixHtml({ title, stack: run.definition.name, runIds: run.runIds, wallMs: run.wallMs, results: run.results, functions, hidden, violations }));
  return { dir, files: [journal, json, html], table: renderMatrixTable(run.results, functions, hidden), hidden, violations };
}
