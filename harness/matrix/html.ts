import { esc } from '../reporters/html/escape.js';
import { PAGE_CSS } from '../reporters/html/style.js';
import type { ClinicalFunction } from '../stack/definition.js';
import type { Violation } from './expectations.js';
import { FAILED_BELOW, type HiddenDependency } from './hidden-dependencies.js';
import type { CellResult } from './result.js';

/**
 * matrix.html: the matrix as one self-contained page in the report's look — rows = cells, columns = functions, each
 * entry the availability during the fault, coloured AND marked (· held, ▼ degraded, ✖ down, ! hidden dependency),
 * so it reads in print and without colour; then the hidden dependencies and the broken promises in words.
 */
const MATRIX_CSS = `td.m{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
td.held{background:#e8f3ec}td.degraded{background:#fdf0d5}td.down{background:#f9dcd2}td.hidden{outline:3px solid #1f4e9c;outline-offset:-3px}`;

export function renderMatrixHtml(m: { title: string; stack: string; runIds: string[]; wallMs: number; results: readonly CellResult[]; functions: readonly ClinicalFunction[]; hidden: readonly HiddenDependency[]; violations: readonly Violation[] }): string {
  const isHidden = new Set(m.hidden.map((h) => `${h.cell}\u0000${h.fn}`));
  const entry = (r: CellResult, fn: ClinicalFunction): string => {
    const f = r.functions[fn];
    if (!f || f.availability === null) return '<td class="m">–</td>';
    if (f.unknown) return `<td class="m" title="${esc(f.unknown)}">?</td>`;
    const cls = f.availability >= FAILED_BELOW ? 'held' : f.availability < 0.05 ? 'down' : 'degraded';
    const mark = cls === 'held' ? '·' : cls === 'down' ? '✖' : '▼';
    const hidden = isHidden.has(`${r.cell.id}\u0000${fn}`);
    const back = f.rtoMs ? `<br><span class="small">back ${(f.rtoMs / 1000).toFixed(1)} s after the heal</span>` : '';
    return `<td class="m ${cls}${hidden ? ' hidden' : ''}">${(f.availability * 100).toFixed(1)} ${mark}${hidden ? ' !' : ''}${back}</td>`;
  };
  const rows = m.results.map((r) => {
    const head = `<th scope="row"><code>${esc(r.cell.id)}</code>${r.restore === 'rebuilt' ? '<br><span class="small">stack rebuilt after</span>' : ''}</th>`;
    const body = r.status === 'measured' ? m.functions.map((fn) => entry(r, fn)).join('') : `<td colspan="${m.functions.length}">not measured: ${esc(r.reason ?? 'failed')}</td>`;
    return `<tr>${head}${body}</tr>`;
  });
  const grid = `<div class="tw"><table><thead><tr><th>cell</th>${m.functions.map((fn) => `<th>${esc(fn)}</th>`).join('')}</tr></thead><tbody>${rows.join('')}</tbody></table></div>`;
  const hidden = m.hidden.length
    ? `<ul>${m.hidden.map((h) => `<li><b>${esc(h.fn)}</b> (served at site ${esc(h.site)}) at ${esc((h.availability * 100).toFixed(1))} % under <code>${esc(h.cell)}</code>: it needs ${esc(h.dependsOn)}</li>`).join('')}</ul>`
    : '<p>None: every function that failed, failed by a fault at its own site.</p>';
  const broken = m.violations.length
    ? `<ul>${m.violations.map((v) => `<li><b>${esc(v.fn)}</b> under <code>${esc(v.cell)}</code>: ${v.measured === null ? 'not measured' : `${(v.measured * 100).toFixed(1)} %`}, promised ≥ ${(v.expected * 100).toFixed(1)} %</li>`).join('')}</ul>`
    : '<p>No promise was broken (or none was given: <code>--expect FILE</code>).</p>';
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">
<title>${esc(m.title)} — epj-chaos</title><style>${PAGE_CSS}${MATRIX_CSS}</style></head>
<body><header><h1>${esc(m.title)}</h1>
<p class="meta">Stack ${esc(m.stack)} · ${m.results.length} cells in ${(m.wallMs / 60_000).toFixed(1)} min · run${m.runIds.length > 1 ? 's' : ''} ${m.runIds.map((r) => `<code>${esc(r)}</code>`).join(', ')}</p></header>
<main>
<section id="hidden"><h2>Hidden dependencies (${m.hidden.length})</h2>${hidden}</section>
<section id="promises"><h2>Broken promises (${m.violations.length})</h2>${broken}</section>
<section id="matrix"><h2>The matrix</h2>
<p class="legend">Availability of each function while the fault was in place (the attempts it certainly met). · held (≥ 99 %) ▼ degraded ✖ down (&lt; 5 %) ? unknown (the harness's own evidence) – no attempts; ! and a blue frame: a hidden dependency.</p>
${grid}</section>
</main><footer class="small">epj-chaos matrix — this file makes no network request.</footer></body></html>
`;
}
