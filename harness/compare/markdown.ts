import { cell as md } from '../reporters/markdown.js';
import { improvements, regressions, type Comparison, type CompareRow } from './compare.js';

/** compare.md, for a CI job summary ($GITHUB_STEP_SUMMARY): the regressions first, then a table per experiment. */
const WORD: Record<CompareRow['judgement'], string> = { worse: '**worse**', better: 'better', 'within noise': 'within noise', unchanged: 'unchanged', 'not judged': 'not judged' };

function table(rows: readonly CompareRow[]): string[] {
  return ['| Measure | A | B | Delta | Verdict |', '| --- | --- | --- | --- | --- |', ...rows.map((r) => `| ${md(r.measure)}${r.note ? ` — ${md(r.note)}` : ''} | ${md(r.a)} | ${md(r.b)} | ${md(r.delta)} | ${WORD[r.judgement]} |`), ''];
}

export function renderCompareMarkdown(c: Comparison): string {
  const worse = regressions(c);
  const better = improvements(c);
  const lines = ['## Release comparison', '', `A (baseline): \`${c.a.target}\` (${c.a.journals.length} journal(s)) · B (candidate): \`${c.b.target}\` (${c.b.journals.length} journal(s))`, ''];
  lines.push(worse.length ? `**${worse.length} regression(s):**` : '**No regression** beyond the run-to-run noise and the floors.', '');
  for (const r of worse) lines.push(`- ${md(r.experiment)}: ${md(r.measure)}: ${md(r.a)} → ${md(r.b)}, Δ ${md(r.delta)}`);
  if (better.length) lines.push(...(worse.length ? [''] : []), `Improvements (${better.length}):`, '', ...better.map((r) => `- ${md(r.experiment)}: ${md(r.measure)}: ${md(r.a)} → ${md(r.b)}, Δ ${md(r.delta)}`));
  if (worse.length || better.length) lines.push('');
  if (c.onlyA.length) lines.push(`Only in A (not compared): ${c.onlyA.map(md).join(', ')}`, '');
  if (c.onlyB.length) lines.push(`Only in B (not compared): ${c.onlyB.map(md).join(', ')}`, '');
  for (const e of c.experiments) {
    lines.push(`### ${md(e.experiment)}`, '', `_${md(e.noise)}._`, '');
    for (const cv of e.caveats) lines.push(`> Caveat: ${md(cv)}`, '');
    lines.push(...table(e.rows));
    if (e.onlyA.length) lines.push(`Only in A: ${e.onlyA.map(md).join('; ')}`, '');
    if (e.onlyB.length) lines.push(`Only in B: ${e.onlyB.map(md).join('; ')}`, '');
  }
  return lines.join('\n');
}
