import { availabilityVerdict } from '../checkers/availability.js';
import { appliedFaults, rtoOf } from '../checkers/rto.js';
import { stalenessByPhase } from '../checkers/staleness.js';
import type { History } from '../history/history.js';
import { readOnlyFrontDoor } from '../probes/stack-parts.js';
import type { ClinicalFunction, StackDefinition } from '../stack/definition.js';
import type { MatrixCell } from './cells.js';
import type { CellResult, FunctionInCell } from './result.js';

/** What a matrix run knows of one cell once it is over (harness/matrix/run-matrix.ts). */
export interface CellSpan {
  cell: MatrixCell;
  /** wall ms: the cell's baseline began */
  startedAt: number;
  /** wall ms: the stack was ready for the next cell; absent when the run ended inside the cell */
  endedAt?: number;
  /** the injected fault's id, once it was created */
  faultId?: string;
  /** why the cell could not be measured */
  failed?: string;
  baselineMs: number;
  faultMs: number;
  recoveryMs: number;
  restoreMs: number;
}

/**
 * One cell's row of the matrix: each function's availability while the fault held (the experiments' availability
 * checker on the cell's fault phase), its recovery time after the heal, the read-only front door's peak
 * staleness, and the writes lost in it (`lost`, counted by the caller at read-back; NaN: the read-back failed).
 * Judged on the cell's slice of the history: a full matrix is ninety cells on one history, and checkers that
 * read all of it for every cell spent minutes after the last one (docs/matrix.md).
 */
export function cellResult(
  history: History,
  definition: StackDefinition,
  functions: readonly ClinicalFunction[],
  s: CellSpan,
  lost: number | undefined,
  rebuilt: boolean,
): CellResult {
  const base = {
    cell: { id: s.cell.id, target: s.cell.target, takesAwayFrom: s.cell.takesAwayFrom, kind: s.cell.fault.kind },
    restore: rebuilt ? ('rebuilt' as const) : ('restored' as const),
    timings: { baselineMs: s.baselineMs, faultMs: s.faultMs, recoveryMs: s.recoveryMs, restoreMs: s.restoreMs },
  };
  const cellHistory = history.slice(s.startedAt, s.endedAt ?? Number.POSITIVE_INFINITY);
  const applied = s.faultId ? appliedFaults(cellHistory).find((f) => f.id === s.faultId) : undefined;
  if (s.failed || !applied) {
    return { ...base, status: 'failed', reason: s.failed ?? 'the fault was never applied', functions: {}, lostWrites: null, stalenessPeakMs: null };
  }
  const phase = `${s.cell.id} · fault`;
  const verdict = availabilityVerdict(cellHistory, { phases: [phase], functions: [...functions], threshold: 0.99 });
  const healedAt = cellHistory.ofKind('fault').find((f) => f.id === s.faultId && f.stage === 'healed')?.t;
  const out: Partial<Record<ClinicalFunction, FunctionInCell>> = {};
  for (const fn of functions) {
    const leaf = verdict.children?.find((c) => c.checker === `availability ${fn} in ${phase}`);
    const d = leaf?.details as { availability: number | null; attempts: number } | undefined;
    const r = rtoOf(cellHistory, applied, fn, { holdMs: 1000, ...(s.endedAt !== undefined ? { until: s.endedAt } : {}) });
    const rtoMs = r.status !== 'recovered' ? null : r.withoutOutage ? 0 : Math.max(0, (r.recoveredAt ?? 0) - (healedAt ?? applied.t));
    out[fn] = { availability: d?.availability ?? null, attempts: d?.attempts ?? 0, rtoMs, ...(leaf?.status === 'unknown' ? { unknown: leaf.summary } : {}) };
  }
  const door = readOnlyFrontDoor(definition);
  const staleness = door ? (stalenessByPhase(cellHistory, { readers: [door.container] }).phases.find((p) => p.name === phase)?.readers[0]?.peakMs ?? null) : null;
  return { ...base, status: 'measured', functions: out, lostWrites: lost === undefined ? 0 : Number.isNaN(lost) ? null : lost, stalenessPeakMs: staleness };
}
