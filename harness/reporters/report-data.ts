import { formatDuration } from '../checkers/format.js';
import { replicationModeOf as stackReplicationMode } from '../probes/replication-mode.js';
import type { StackDefinition } from '../stack/definition.js';
import type { JournalFile, JournalVerdict } from './journal-schema.js';

/**
 * What the CI reporters (JUnit, Markdown, console) show of a run, read from its journal alone: the checks with
 * their reasons, the RTOs in their scripted + measured parts, the lost writes, the stack.
 */
export interface CheckRow {
  name: string;
  status: JournalVerdict['status'];
  /** the leaf summaries that are not pass (`status: summary; …`), or the check's own summary when it passed */
  reason: string;
}

export interface RtoRow {
  /** the leaf verdict's summary ("journal-lookup after core-switch: recovered in …") */
  label: string;
  status: JournalVerdict['status'];
  rtoMs: number | null;
  scriptedMs: number | null;
  measuredMs: number | null;
}

export interface LostWriteRow {
  check: string;
  fn: string;
  resourceType: string;
  resourceId: string | null;
  acknowledgedAt: number;
}

export function leaves(v: JournalVerdict): JournalVerdict[] {
  return v.children && v.children.length > 0 ? v.children.flatMap(leaves) : [v];
}

/** The reason a check did not pass: its leaves that are not pass, each with its status (as the run's log says). */
export function checkReason(v: JournalVerdict): string {
  if (v.status === 'pass') return v.summary;
  const bad = leaves(v).filter((x) => x.status !== 'pass');
  return bad.length > 0 ? bad.map((x) => `${x.status}: ${x.summary}`).join('; ') : v.summary;
}

export function checkRows(journal: JournalFile): CheckRow[] {
  return journal.verdicts.map((v) => ({ name: v.checker, status: v.status, reason: checkReason(v) }));
}

function record(x: unknown): Record<string, unknown> | undefined {
  return typeof x === 'object' && x !== null && !Array.isArray(x) ? (x as Record<string, unknown>) : undefined;
}

function nodes(v: JournalVerdict): JournalVerdict[] {
  return [v, ...(v.children ?? []).flatMap(nodes)];
}

/** The RTO leaves (details with `rtoMs` and `rtoSplit`, harness/checkers/rto.ts), in the order of the checks. */
export function rtoRows(journal: JournalFile): RtoRow[] {
  const rows: RtoRow[] = [];
  for (const v of journal.verdicts.flatMap(leaves)) {
    const d = record(v.details);
    if (!d || !('rtoMs' in d) || !('rtoSplit' in d)) continue;
    const split = record(d.rtoSplit);
    const num = (x: unknown) => (typeof x === 'number' && Number.isFinite(x) ? x : null);
    rows.push({ label: v.summary, status: v.status, rtoMs: num(d.rtoMs), scriptedMs: num(split?.scriptedMs), measuredMs: num(split?.measuredMs) });
  }
  return rows;
}

/** Acknowledged writes that were absent afterwards (the lost-writes checker's details, harness/checkers/lost-writes.ts). */
export function lostWriteRows(journal: JournalFile): LostWriteRow[] {
  const rows: LostWriteRow[] = [];
  for (const top of journal.verdicts) {
    for (const v of nodes(top)) {
      const d = record(v.details);
      if (!d || !Array.isArray(d.lost) || !record(d.counts)) continue;
      for (const l of d.lost) {
        const w = record(l);
        if (!w) continue;
        rows.push({
          check: top.checker,
          fn: String(w.fn ?? '?'),
          resourceType: String(w.resourceType ?? '?'),
          resourceId: typeof w.resourceId === 'string' ? w.resourceId : null,
          acknowledgedAt: typeof w.acknowledgedAt === 'number' ? w.acknowledgedAt : NaN,
        });
      }
    }
  }
  return rows;
}

/**
 * The options the stack's definition was resolved with (`--set`, harness/stack/options.ts), as `name=value`, and
 * where the definition came from; null when the journal's definition declared none.
 */
export function stackOptions(journal: JournalFile): string | null {
  const t = (journal.definition as { template?: { bundled?: string; file?: string; options?: Record<string, unknown> } } | undefined)?.template;
  if (!t?.options) return null;
  const from = t.bundled ? `bundled ${t.bundled}` : t.file ? `file ${t.file}` : 'inline';
  return `${Object.entries(t.options).map(([k, v]) => `${k}=${String(v)}`).join(', ')} (${from})`;
}

/** The stack's name as its definition says; null when the journal has no definition. */
export function stackName(journal: JournalFile): string | null {
  const name = journal.definition?.name;
  return typeof name === 'string' ? name : null;
}

/**
 * The replication mode, read from the definition the journal recorded, the way the checkers read it
 * (harness/probes/replication-mode.ts: the databases' `synchronous_commit` with a synchronous standby named, else
 * async); null when the journal has no definition or one of another shape.
 */
export function replicationModeOf(journal: JournalFile): string | null {
  const def = journal.definition;
  if (!def || !Array.isArray(def.links) || !Array.isArray(def.containers)) return null;
  try {
    return stackReplicationMode(def as unknown as StackDefinition);
  } catch {
    return null;
  }
}

/** "1 min 3 s (scripted 1 min + measured 3 s)" — the scripted part ran at the time scale, the measured part 1:1. */
export function describeRto(r: RtoRow): string {
  if (r.rtoMs === null) return 'n/a';
  if (r.scriptedMs === null || r.measuredMs === null) return `${formatDuration(r.rtoMs)} wall`;
  return `${formatDuration(r.scriptedMs + r.measuredMs)} (scripted ${formatDuration(r.scriptedMs)} + measured ${formatDuration(r.measuredMs)}; ${formatDuration(r.rtoMs)} wall)`;
}

export const STATUS_WORD: Record<JournalVerdict['status'], string> = { pass: 'PASS', fail: 'FAIL', unknown: 'UNKNOWN' };
