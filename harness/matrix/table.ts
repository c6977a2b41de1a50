import type { ClinicalFunction } from '../stack/definition.js';
import type { HiddenDependency } from './hidden-dependencies.js';
import { FAILED_BELOW } from './hidden-dependencies.js';
import type { CellResult } from './result.js';

/**
 * The matrix as a console table: one row per cell, one column per function, each entry the function's availability
 * while the fault was in place, in whole percent. Marks, so it reads without colour: `·` held (≥ 99 %), `▼` degraded,
 * `✖` down (< 5 %), `?` unknown (the harness's own evidence), `!` a hidden dependency (the fault took nothing away
 * at the function's own site).
 */
export function renderMatrixTable(results: readonly CellResult[], functions: readonly ClinicalFunction[], hidden: readonly HiddenDependency[]): string {
  const isHidden = new Set(hidden.map((h) => `${h.cell}\u0000${h.fn}`));
  const width = Math.max(4, ...results.map((r) => r.cell.id.length));
  const col = Math.max(6, ...functions.map((fn) => short(fn).length)) + 1;
  const header = `${'cell'.padEnd(width)} ${functions.map((fn) => short(fn).padStart(col)).join('')}`;
  const lines = [header, '-'.repeat(header.length)];
  for (const r of results) {
    if (r.status !== 'measured') {
      lines.push(`${r.cell.id.padEnd(width)} ${`not measured: ${r.reason ?? 'failed'}`}`);
      continue;
    }
    const entries = functions.map((fn) => {
      const m = r.functions[fn];
      let text: string;
      if (!m || m.availability === null) text = '–';
      else if (m.unknown) text = '?';
      else {
        const pct = Math.floor(m.availability * 100);
        const mark = m.availability >= FAILED_BELOW ? '·' : m.availability < 0.05 ? '✖' : '▼';
        text = `${pct}${mark}${isHidden.has(`${r.cell.id}\u0000${fn}`) ? '!' : ''}`;
      }
      return text.padStart(col);
    });
    lines.push(`${r.cell.id.padEnd(width)} ${entries.join('')}${r.restore === 'rebuilt' ? '  (stack rebuilt after)' : ''}`);
  }
  lines.push('', 'availability % during the fault: · held (≥ 99 %)  ▼ degraded  ✖ down (< 5 %)  ? unknown  – no attempts  ! hidden dependency (failed by a fault at the other site or the WAN)');
  return lines.join('\n');
}

/** Column heads short enough for a terminal: `journal-lookup` → `lookup`, `read-only-lookup` → `ro-lookup`. */
function short(fn: ClinicalFunction): string {
  const names: Record<ClinicalFunction, string> = {
    'journal-lookup': 'lookup',
    'clinical-note': 'note',
    admission: 'admit',
    discharge: 'disch',
    referral: 'refer',
    'e-prescription': 'e-rx',
    'read-only-lookup': 'ro-lookup',
  };
  return names[fn];
}
