import type { ClinicalFunction } from '../stack/definition.js';
import type { MatrixCell } from './cells.js';

/** What one cell measured: each function during the fault and after the heal, and what the cell cost. */
export interface FunctionInCell {
  /** successes ÷ attempts of the attempts that started while the fault was in place (null: none started) */
  availability: number | null;
  attempts: number;
  /** after the heal: back at ≥ 99 % and holding (ms wall), 0 when never down, null when not back */
  rtoMs: number | null;
  /** `unknown` from the harness's own evidence (harness/checkers/evidence.ts), with the reason */
  unknown?: string;
}

export interface CellResult {
  cell: Pick<MatrixCell, 'id' | 'target' | 'takesAwayFrom'> & { kind: string };
  /** `measured`; `failed` when the fault could not be injected or healed (the reason says why) */
  status: 'measured' | 'failed';
  reason?: string;
  functions: Partial<Record<ClinicalFunction, FunctionInCell>>;
  /** acknowledged writes missing at read-back (null: not read back) */
  lostWrites: number | null;
  /** the worst staleness of the read-only fallback while the fault was in place, ms (null: not measured) */
  stalenessPeakMs: number | null;
  /** how the stack was made ready for the next cell */
  restore: 'restored' | 'rebuilt';
  /** wall time of each part of the cell */
  timings: { baselineMs: number; faultMs: number; recoveryMs: number; restoreMs: number };
}
