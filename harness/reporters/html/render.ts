import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { describeSplit } from '../../checkers/rto.js';
import type { JournalFile } from '../journal-schema.js';
import { CHART_SCRIPT } from './charts.js';
import { esc, jsonForScript } from './escape.js';
import { buildReportData, humanDuration, type ReportData } from './report-data.js';
import { stackOptions } from '../report-data.js';
import { PAGE_CSS } from './style.js';

const require = createRequire(import.meta.url);
let uplotAssets: { js: string; css: string } | undefined;

/** uPlot's browser build and stylesheet, read from its npm package (resolved, not a fixed path), once per process. */
function uplot(): { js: string; css: string } {
  uplotAssets ??= {
    js: readFileSync(require.resolve('uplot/dist/uPlot.iife.min.js'), 'utf8'),
    css: readFileSync(require.resolve('uplot/dist/uPlot.min.css'), 'utf8'),
  };
  return uplotAssets;
}

/** inline script text cannot contain `</script` */
const inlineScript = (js: string): string => js.replace(/<\/(script)/gi, '<\\/$1');
const inlineStyle = (css: string): string => css.replace(/<\/(style)/gi, '<\\/$1');

const ICON: Record<string, string> = { pass: '✔ pass', fail: '✖ fail', unknown: '? unknown' };
const statusCell = (s: string): string => `<span class="st st-${esc(s)}">${esc(ICON[s] ?? s)}</span>`;
const iso = (t: number): string => new Date(t).toISOString().replace('T', ' ').replace(/\.\d+Z$/, 'Z');
const scen = (ms: number): string => `${ms < 0 ? '−' : '+'}${humanDuration(Math.abs(ms))}`;

/** A scrolling table; `head` is text (escaped here), `rows` are HTML cells (escaped by the caller). */
export function table(head: string[], rows: string[][], cls = ''): string {
  return `<div class="tw"><table${cls ? ` class="${cls}"` : ''}><thead><tr>${head.map((h) => `<th>${esc(h)}</th>`).join('')}</tr></thead><tbody>${rows
    .map((r) => `<tr>${r.map((c) => `<td>${c}</td>`).join('')}</tr>`)
    .join('')}</tbody></table></div>`;
}

function stackSection(journal: JournalFile, replication: string | null, logs: ReadonlySet<string>): string {
  const def = journal.definition as
    | { name?: string; sites?: { id: string; name: string }[]; containers?: { name: string; site: string; role: string; image: string }[]; links?: { name: string; kind: string; fromSite?: string; upstream?: { container: string } }[] }
    | null;
  if (!def) return '<p>The stack definition was not recorded in this journal.</p>';
  const images = new Map((journal.provenance.images ?? []).map((i) => [i.name, i]));
  const sites = (def.sites ?? []).map((s) => `${esc(s.name)} (${esc(s.id)})`).join('; ');
  const logCell = (name: string) => (logs.has(name) ? `<a href="logs/${encodeURIComponent(name)}.log">log</a>` : '—');
  const containers = table(
    ['container', 'site', 'role', 'image', 'image id', 'log'],
    (def.containers ?? []).map((c) => {
      const img = images.get(c.image);
      return [esc(c.name), esc(c.site), esc(c.role), `<code>${esc(c.image)}</code>`, img?.id ? `<code>${esc(img.id.slice(0, 19))}…</code>` : '—', logCell(c.name)];
    }),
  );
  const links = table(
    ['link', 'kind', 'from', 'to'],
    (def.links ?? []).map((l) => [esc(l.name), esc(l.kind), esc(l.fromSite ?? '—'), esc(l.upstream?.container ?? '—')]),
  );
  const p = journal.provenance;
  const tools = [`harness ${esc(p.harness.name)} ${esc(p.harness.version ?? '?')}${p.harness.commit ? ` @ <code>${esc(p.harness.commit.sha.slice(0, 10))}</code>${p.harness.commit.dirty ? ' (dirty)' : ''}` : ''}`, `node ${esc(p.tools.node)}`];
  if (p.tools.docker) tools.push(`docker ${esc(p.tools.docker.version ?? '?')}`);
  for (const [k, v] of Object.entries(p.tools.pinned ?? {})) tools.push(`${esc(k)} ${esc(v)}`);
  const options = stackOptions(journal);
  return `<p><b>Stack</b> ${esc(def.name ?? '')}: sites ${sites}. Replication: <b>${esc(replication ?? 'unknown')}</b>.${options ? ` Options: <code>${esc(options)}</code>.` : ''}</p>${containers}
<details><summary>Links (${(def.links ?? []).length})</summary>${links}</details>
<p class="small">Versions: ${tools.join(' · ')}. Host: ${esc(p.host.os)} ${esc(p.host.kernel)} ${esc(p.host.arch)}, ${p.host.cpus} CPUs.${p.problems.length ? ` Not collected: ${p.problems.map(esc).join('; ')}.` : ''}</p>`;
}

function page(journal: JournalFile, d: ReportData, logs: ReadonlySet<string>): string {
  const top = journal.verdicts;
  const overall = top.some((v) => v.status === 'fail') ? 'fail' : top.some((v) => v.status === 'unknown') ? 'unknown' : top.length ? 'pass' : 'unknown';
  const checks = table(
    ['check', 'verdict', 'reason'],
    d.checks.map((c) => [`<span class="d${Math.min(c.depth, 4)}">${esc(c.checker)}</span>`, statusCell(c.status), esc(c.summary)]),
    'checks',
  );
  const fnCharts = d.functions.map((f, k) => `<figure class="chart" id="chart-fn-${k}" aria-label="${esc(f.fn)}: availability and latency per second"></figure>`).join('\n');
  const lw = d.lostWrites.length
    ? table(
        ['function', 'resource', 'acknowledged', 'before the failure'],
        d.lostWrites.map((l) => [esc(l.fn), `<code>${esc(l.resource)}</code>`, esc(iso(l.acknowledgedAt)), l.beforeFailureMs === null ? '—' : `${esc(humanDuration(l.beforeFailureMs))} before ${esc(l.failure ?? '')}`]),
      )
    : `<p>No acknowledged write was lost${d.checks.some((c) => /lost/i.test(c.checker)) ? '' : ' (no lost-writes check was run)'}.</p>`;
  const sb = d.splitBrain
    ? d.splitBrain.length
      ? `<h3>Split-brain writes</h3>${table(
          ['function', 'resource', 'acknowledged', 'by site', 'primary then', 'door'],
          d.splitBrain.map((w) => [esc(w.fn), `<code>${esc(w.resource)}</code>`, esc(iso(w.acknowledgedAt)), esc(w.site), esc(w.primarySite), esc(w.via ?? '—')]),
        )}`
      : '<h3>Split-brain writes</h3><p>None: every write after the promotion was acknowledged by the primary.</p>'
    : '';
  const rto = d.rto.length
    ? table(
        ['function', 'fault', 'verdict', 'RTO (scenario: scripted + measured)', 'wall', 'how'],
        d.rto.map((r) => [
          esc(r.fn),
          esc(r.fault),
          statusCell(r.status),
          r.scriptedMs !== null && r.measuredMs !== null ? esc(describeSplit({ scriptedMs: r.scriptedMs, measuredMs: r.measuredMs } as never)) : '—',
          r.rtoMs === null ? '—' : esc(humanDuration(r.rtoMs)),
          esc(r.summary),
        ]),
      )
    : '<p>No RTO check in this run.</p>';
  const proof = d.faultProof.length
    ? table(
        ['fault', 'target', 'scheduled', 'applied', 'observed', 'healed'],
        d.faultProof.map((p) => [
          `${esc(p.fault)} <code>${esc(p.id)}</code>`,
          esc(p.target),
          ...(['scheduled', 'applied', 'observed', 'healed'] as const).map((s) => {
            const x = p.stages[s];
            return x ? `${esc(iso(x.t))}<br><span class="small">scenario ${esc(scen(x.scenarioMs))}${x.detail ? ` — ${esc(x.detail)}` : ''}</span>` : s === 'healed' && p.stages.failed ? '✖ failed' : '—';
          }),
        ]),
      )
    : '<p>No fault was injected.</p>';
  const whatIf = 'omitted' in d.whatIf ? `<p class="omitted">What-if failover curve omitted: ${esc(d.whatIf.omitted)}.</p>` : '<figure class="chart" id="chart-whatif" aria-label="what-if failover curve"></figure>';
  const stale = d.staleness.length ? '<figure class="chart" id="chart-staleness" aria-label="staleness over time"></figure>' : '<p class="omitted">No staleness samples in this run.</p>';
  const lag = d.lagBytes.length ? '<figure class="chart" id="chart-lag" aria-label="replication gap over time"></figure>' : '<p class="omitted">No replication-gap samples in this run.</p>';
  const uj = uplot();
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; img-src data:">
<title>${esc(journal.experiment)} — epj-chaos report</title>
<style>${inlineStyle(uj.css)}</style><style>${PAGE_CSS}</style></head>
<body>
<header><h1>${esc(journal.experiment)}</h1>
<p class="meta">Run <code>${esc(journal.runId ?? journal.id)}</code> · ${esc(journal.startedAt)} → ${esc(journal.endedAt)} · ${esc(journal.timeScale)}× time scale · seed ${esc(journal.seed ?? '—')} · run ${esc(journal.status)}${journal.reason ? `: ${esc(journal.reason)}` : ''}</p></header>
<main>
<section id="summary" class="summary st-box-${overall}"><h2>What happened — ${statusCell(overall)}</h2>
<ul>${d.summary.map((s) => `<li>${esc(s)}</li>`).join('')}</ul>
${d.failedFunctions.length ? `<p><b>Functions that failed:</b> <span id="failed-functions">${d.failedFunctions.map(esc).join(', ')}</span>.</p>` : '<p><b>No clinical function failed.</b></p>'}
</section>
<section id="checks"><h2>Checks</h2>${checks}</section>
<section id="functions"><h2>Each function over time</h2>
<p class="legend"><span class="k k-fault"></span> fault (hatched) · <span class="k k-action"></span> operator action · <span class="k k-measured"></span> measured stretch (scenario clock 1:1, the stack working; elsewhere scripted waits run ${esc(journal.timeScale)}× faster) · dashed verticals: phases. Availability solid, p50 dashed, p99 dotted (log scale).</p>
${fnCharts}</section>
<section id="replication"><h2>Replication gap and staleness</h2>${stale}${lag}<h3>What if we failed over now?</h3>${whatIf}</section>
<section id="tables"><h2>Recovery and data</h2><h3>RTO per function and fault</h3>${rto}<h3>Lost writes</h3>${lw}${sb}<h3>Each fault's proof</h3>${proof}</section>
<section id="stack"><h2>The stack</h2>${stackSection(journal, d.replication, logs)}</section>
<section id="experiment"><h2>The experiment</h2>${journal.source ? `<details><summary>Its text as run: <code>${esc(journal.source.file)}</code></summary><pre class="source"><code>${esc(journal.source.text)}</code></pre></details>` : '<p class="omitted">The experiment\'s text was not recorded in this journal (a scenario file, or a run before it was recorded).</p>'}</section>
</main>
<footer class="small">epj-chaos report, rendered from <code>journal.json</code> alone (schema ${journal.schemaVersion}); charts by uPlot, inlined — this file makes no network request.</footer>
<script type="application/json" id="report-data">${jsonForScript(d)}</script>
<script>${inlineScript(uj.js)}</script>
<script>${inlineScript(CHART_SCRIPT)}</script>
</body></html>
`;
}

/** Renders a journal as one self-contained HTML page (no request leaves the file). Pure: the same journal, the same page. */
export function renderHtml(journal: JournalFile, opts: { containerLogs?: readonly string[] } = {}): string {
  return page(journal, buildReportData(journal), new Set(opts.containerLogs ?? []));
}
