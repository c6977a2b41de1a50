/**
 * A checker's answer. Three-valued, as in Jepsen: `unknown` is not `pass` — a checker that saw no evidence must not
 * let a run look healthy.
 */
export type VerdictStatus = 'pass' | 'fail' | 'unknown';

export interface Verdict {
  checker: string;
  status: VerdictStatus;
  summary: string;
  details?: unknown;
  children?: Verdict[];
}

const SEVERITY: Record<VerdictStatus, number> = { pass: 0, unknown: 1, fail: 2 };

/** fail beats unknown beats pass; no statuses at all is `unknown` (nothing was checked, so nothing passed). */
export function worstStatus(statuses: readonly VerdictStatus[]): VerdictStatus {
  if (statuses.length === 0) return 'unknown';
  return statuses.reduce((worst, s) => (SEVERITY[s] > SEVERITY[worst] ? s : worst), 'pass' as VerdictStatus);
}

/** One verdict over many: its status is the worst child's, its summary counts them. */
export function composeVerdicts(name: string, verdicts: readonly Verdict[]): Verdict {
  const status = worstStatus(verdicts.map((v) => v.status));
  if (verdicts.length === 0) return { checker: name, status, summary: 'nothing was checked', children: [] };
  const count = (s: VerdictStatus) => verdicts.filter((v) => v.status === s).length;
  const parts = [`${count('fail')} fail`, `${count('unknown')} unknown`, `${count('pass')} pass`];
  return { checker: name, status, summary: `${status}: ${parts.join(', ')} of ${verdicts.length}`, children: [...verdicts] };
}
