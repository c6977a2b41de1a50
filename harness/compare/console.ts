import { improvements, regressions, type Comparison } from './compare.js';

/** The console summary: the regressions first, then the improvements, then what was not compared and the caveats. */
export function compareSummary(c: Comparison): string[] {
  const worse = regressions(c);
  const better = improvements(c);
  const rows = c.experiments.reduce((n, e) => n + e.rows.length, 0);
  const lines = [`compare: A ${c.a.target} (${c.a.journals.length} journal(s)) → B ${c.b.target} (${c.b.journals.length} journal(s)); ${c.experiments.length} experiment(s), ${rows} checks and measures compared`];
  lines.push(worse.length ? `REGRESSIONS (${worse.length}):` : 'no regression beyond the run-to-run noise and the floors');
  for (const r of worse) lines.push(`  ✖ ${r.experiment}: ${r.measure}: ${r.a} → ${r.b}, Δ ${r.delta}`);
  if (better.length) lines.push(`improvements (${better.length}):`, ...better.map((r) => `  ✔ ${r.experiment}: ${r.measure}: ${r.a} → ${r.b}, Δ ${r.delta}`));
  for (const e of c.experiments) {
    lines.push(`${e.experiment}: ${e.noise}`);
    for (const cv of e.caveats) lines.push(`  caveat: ${cv}`);
  }
  if (c.onlyA.length) lines.push(`only in A (not compared): ${c.onlyA.join(', ')}`);
  if (c.onlyB.length) lines.push(`only in B (not compared): ${c.onlyB.join(', ')}`);
  return lines;
}
