import { esc } from '../reporters/html/escape.js';
import { table } from '../reporters/html/render.js';
import { PAGE_CSS } from '../reporters/html/style.js';
import { FLOORS } from './floors.js';
import { improvements, regressions, type Comparison, type CompareRow, type ExperimentComparison, type RowJudgement } from './compare.js';

/**
 * compare.html: one self-contained page in the HTML report's look (its stylesheet and escaping), tables only — no
 * script, no request leaves the file (the same Content-Security-Policy as the report). A table per experiment:
 * measure, A, B, delta, verdict; the regressions first at the top.
 */
const BADGE: Record<RowJudgement, string> = {
  worse: '<span class="st st-fail">✖ worse</span>',
  better: '<span class="st st-pass">✔ better</span>',
  'within noise': '≈ within noise',
  unchanged: '= unchanged',
  'not judged': '<span class="st st-unknown">? not judged</span>',
};

const list = (items: readonly string[]): string => `<ul>${items.map((i) => `<li>${esc(i)}</li>`).join('')}</ul>`;

function rowsTable(rows: readonly CompareRow[], withExperiment = false): string {
  const head = [...(withExperiment ? ['experiment'] : []), 'measure', 'A (baseline)', 'B (candidate)', 'delta', 'verdict'];
  return table(
    head,
    rows.map((r) => [
      ...(withExperiment ? [esc((r as CompareRow & { experiment?: string }).experiment ?? '')] : []),
      `${esc(r.measure)}${r.note ? `<br><span class="small">${esc(r.note)}</span>` : ''}`,
      esc(r.a),
      esc(r.b),
      esc(r.delta),
      BADGE[r.judgement],
    ]),
  );
}

function experimentSection(e: ExperimentComparison, k: number): string {
  const only = [...(e.onlyA.length ? [`<p><b>Only in A:</b> ${e.onlyA.map(esc).join('; ')}.</p>`] : []), ...(e.onlyB.length ? [`<p><b>Only in B:</b> ${e.onlyB.map(esc).join('; ')}.</p>`] : [])];
  return `<section id="experiment-${k}"><h2>${esc(e.experiment)}</h2>
<p class="meta">${esc(e.noise)}.</p>
${e.caveats.length ? `<p><b>Caveats:</b></p>${list(e.caveats)}` : ''}
${e.rows.length ? rowsTable(e.rows) : '<p class="omitted">No check or measure is present on both sides.</p>'}
${only.join('\n')}</section>`;
}

export function renderCompareHtml(c: Comparison): string {
  const worse = regressions(c);
  const better = improvements(c);
  const overall = worse.length > 0 ? 'fail' : 'pass';
  const floors = Object.entries(FLOORS).map(([name, f]) => `<li>${esc(name)}: ${esc(f.words)}</li>`).join('');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">
<title>epj-chaos compare — ${esc(c.b.target)} against ${esc(c.a.target)}</title>
<style>${PAGE_CSS}</style></head>
<body>
<header><h1>Release comparison</h1>
<p class="meta">A (baseline): <code>${esc(c.a.target)}</code> — ${c.a.journals.length} journal(s) · B (candidate): <code>${esc(c.b.target)}</code> — ${c.b.journals.length} journal(s)</p></header>
<main>
<section id="summary" class="summary st-box-${overall}"><h2>${worse.length ? `${worse.length} regression${worse.length === 1 ? '' : 's'}` : 'No regression'}</h2>
${worse.length ? rowsTable(worse, true) : '<p>Nothing got worse beyond the run-to-run noise and the floors.</p>'}
${better.length ? `<h3>Improvements (${better.length})</h3>${rowsTable(better, true)}` : ''}
${c.onlyA.length ? `<p><b>Experiments only in A</b> (not compared):</p>${list(c.onlyA)}` : ''}
${c.onlyB.length ? `<p><b>Experiments only in B</b> (not compared):</p>${list(c.onlyB)}` : ''}
</section>
${c.experiments.map(experimentSection).join('\n')}
<section id="rule"><h2>How “worse” is judged</h2>
<p>B is worse when the difference of the medians exceeds the spread (min..max) of both sides and the floor; with single runs there is no spread and the floor alone decides. Lost writes are judged only under synchronous replication. Floors:</p><ul>${floors}</ul></section>
</main>
<footer class="small">epj-chaos compare, from the journals alone — this file makes no network request.</footer>
</body></html>
`;
}
