import { readFile } from 'node:fs/promises';
import { z } from 'zod';
import { describeIssues, InvalidInputError } from '../errors.js';
import { CLINICAL_FUNCTIONS, type ClinicalFunction } from '../stack/definition.js';
import type { CellResult } from './result.js';

/**
 * What the operators promise, as a file the matrix is judged against (`--expect FILE`): "this function must survive
 * that fault". A cell matches an expectation by its fault kind, its target names (the cell id's words after the
 * kind) or the site it takes something away from; each match must keep the function at or above `atLeast`.
 *
 *   { "expectations": [
 *       { "function": "read-only-lookup", "survives": { "site": "a" } },
 *       { "function": ["journal-lookup", "clinical-note"], "survives": { "fault": "container-kill", "target": "b-lookup" } } ] }
 */
const oneOrMany = <T extends z.ZodTypeAny>(t: T) => z.union([t, z.array(t).min(1)]).transform((v) => (Array.isArray(v) ? v : [v]) as z.infer<T>[]);

const expectationSchema = z.strictObject({
  function: oneOrMany(z.enum(CLINICAL_FUNCTIONS)),
  survives: z
    .strictObject({ fault: oneOrMany(z.string().min(1)).optional(), target: oneOrMany(z.string().min(1)).optional(), site: z.string().min(1).optional() })
    .refine((s) => s.fault || s.target || s.site, 'name at least one of fault, target, site'),
  atLeast: z.number().min(0).max(1).default(0.99),
});
const fileSchema = z.strictObject({ expectations: z.array(expectationSchema).min(1) });
export type MatrixExpectation = z.infer<typeof expectationSchema>;

export function parseExpectations(input: unknown, source = 'expectations'): MatrixExpectation[] {
  const parsed = fileSchema.safeParse(input);
  if (!parsed.success) throw new InvalidInputError(`${source}: ${describeIssues(parsed.error.issues)}`);
  return parsed.data.expectations;
}

export async function loadExpectations(file: string): Promise<MatrixExpectation[]> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch {
    throw new InvalidInputError(`--expect: ${file} cannot be read`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new InvalidInputError(`--expect: ${file} is not JSON (${(err as Error).message})`);
  }
  return parseExpectations(json, file);
}

export interface Violation {
  cell: string;
  fn: ClinicalFunction;
  expected: number;
  /** null: the function was not measured in that cell, which cannot show that it survived */
  measured: number | null;
}

function matches(e: MatrixExpectation, r: CellResult): boolean {
  const names = r.cell.id.slice(r.cell.kind.length + 1).split(' ').filter(Boolean);
  return (
    (!e.survives.fault || e.survives.fault.includes(r.cell.kind)) &&
    (!e.survives.target || e.survives.target.some((t) => names.includes(t))) &&
    (!e.survives.site || r.cell.takesAwayFrom.includes(e.survives.site))
  );
}

/** Every (cell, function) where a promise did not hold; a function not measured in a matching cell is one too. */
export function violations(expectations: readonly MatrixExpectation[], results: readonly CellResult[]): Violation[] {
  const out: Violation[] = [];
  for (const r of results) {
    for (const e of expectations) {
      if (!matches(e, r)) continue;
      for (const fn of e.function) {
        const m = r.functions[fn];
        const measured = r.status === 'measured' && m && !m.unknown ? m.availability : null;
        if (measured === null || measured < e.atLeast) out.push({ cell: r.cell.id, fn, expected: e.atLeast, measured });
      }
    }
  }
  return out;
}
