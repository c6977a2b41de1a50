import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { expect } from 'chai';
import { chromium, type Browser } from 'playwright-core';
import type { HistoryEvent } from '../../harness/history/events.js';
import { History } from '../../harness/history/history.js';
import { syntheticRequests } from '../support/synthetic-requests.js';
import { PROJECT_ROOT } from '../../harness/images/catalog.js';
import { htmlReporter } from '../../harness/reporters/html/index.js';
import { esc, jsonForScript } from '../../harness/reporters/html/escape.js';
import { renderHtml } from '../../harness/reporters/html/render.js';
import { sparsePercentiles } from '../../harness/reporters/html/report-data.js';
import { buildJournal } from '../../harness/reporters/journal.js';
import type { JournalFile } from '../../harness/reporters/journal-schema.js';
import { referenceStack } from '../../harness/stack/reference-stack.js';
import type { ClinicalFunction } from '../../harness/stack/definition.js';
import type { Verdict } from '../../harness/checkers/verdict.js';
import { mulberry32 } from '../../harness/util/prng.js';
import { MergeableHistogram } from '../../harness/workload/histogram.js';
import { fakeProvenance } from '../support/provenance.js';

export const CHROMIUM = process.env.EPJ_CHAOS_CHROMIUM ?? '/usr/bin/chromium';
const T0 = 1_800_000_000_000;
const SCALE = 60;
const PROVENANCE = fakeProvenance(T0);
/** user text that must come out as text: an unescaped one would run a script or fetch an image */
const HOSTILE = `</script><img src="https://example.invalid/x.png" onerror="console.error('xss')"><script>console.error('xss')</script>`;

/**
 * A constructed 60-s run at 60×: phases baseline (0 s), power cut (20 s), recovery (40 s); site power applied at
 * 20 s, healed at 40 s (measured 20–25 s and 40–45 s); a failover 30–33 s. journal-lookup and read-only-lookup stay
 * up, admission is down 20–45 s, clinical-note 20–35 s; staleness of the replica (sql) and Opslags-EPJ (fhir),
 * replication gap, acknowledged notes (one lost).
 */
export function constructedJournal(): JournalFile {
  const rand = mulberry32(9);
  const events: HistoryEvent[] = [];
  const measured: [number, number][] = [
    [20, 25],
    [40, 45],
  ];
  // scenario time: scripted seconds count SCALE, measured ones 1
  const scenarioAt = (sec: number): number => {
    let ms = 0;
    let at = 0;
    for (const [a, b] of measured) {
      if (sec <= a) break;
      ms += (a - at) * SCALE * 1000;
      ms += (Math.min(sec, b) - a) * 1000;
      at = Math.min(sec, b);
      if (sec <= b) return ms;
    }
    return ms + (sec - at) * SCALE * 1000;
  };
  const markAt = (sec: number) => (measured.some(([a, b]) => sec >= a && sec < b) ? 'measured' : 'scripted') as 'scripted' | 'measured';
  const stamp = (sec: number) => ({ t: T0 + Math.round(sec * 1000), scenarioMs: scenarioAt(sec), clockMark: markAt(sec) });
  const push = (sec: number, e: Record<string, unknown>) => events.push({ ...e, ...stamp(sec) } as unknown as HistoryEvent);

  push(0, { kind: 'clock', mark: 'scripted', scale: SCALE });
  for (const [a, b] of measured) {
    push(a, { kind: 'clock', mark: 'measured', scale: SCALE });
    push(b, { kind: 'clock', mark: 'scripted', scale: SCALE });
  }
  push(0, { kind: 'phase', name: 'baseline' });
  push(20, { kind: 'phase', name: 'power cut' });
  push(40, { kind: 'phase', name: 'recovery' });
  push(19.5, { kind: 'fault', id: 'site-power#1', fault: 'site-power', stage: 'scheduled', target: 'site-a', step: 'power' });
  push(20, { kind: 'fault', id: 'site-power#1', fault: 'site-power', stage: 'applied', target: 'site-a', skewMs: 500 });
  push(21, { kind: 'fault', id: 'site-power#1', fault: 'site-power', stage: 'observed', target: 'site-a', detail: 'db-primary stopped' });
  push(40, { kind: 'fault', id: 'site-power#1', fault: 'site-power', stage: 'healed', target: 'site-a' });
  push(30, { kind: 'action', id: 'failover#1', action: 'failover', stage: 'started' });
  push(33, {
    kind: 'action',
    id: 'failover#1',
    action: 'failover',
    stage: 'completed',
    detail: 'promoted b-db, repointed epj-front to b-epj',
    effects: [{ kind: 'repointed', link: 'epj-front', container: 'b-epj', port: 8080, at: T0 + 32_000, notBefore: T0 + 31_000 }],
  });

  const down: Partial<Record<ClinicalFunction, [number, number]>> = { admission: [20, 45], 'clinical-note': [20, 35] };
  for (const fn of ['journal-lookup', 'read-only-lookup', 'admission', 'clinical-note'] as ClinicalFunction[]) {
    for (let s = 0; s < 60; s++) {
      const [a, b] = down[fn] ?? [Infinity, -Infinity];
      push(s + 1, syntheticRequests(fn, T0 + s * 1000, 10, s >= a && s < b, () => 5 + rand() * 40));
    }
  }
  for (let s = 0; s < 60; s += 1) {
    const cut = s >= 20 && s < 33;
    push(s + 0.5, { kind: 'staleness', reader: 'db-replica', via: 'sql', link: 'b-db-admin', heartbeatAt: T0 + (cut ? 20_000 : s * 1000 + 200), stalenessMs: cut ? s * 1000 + 500 - 20_000 : 300, unreachable: false });
    push(s + 0.6, { kind: 'staleness', reader: 'opslag', via: 'fhir', link: 'opslag-front', heartbeatAt: T0 + (cut ? 20_000 : s * 1000), stalenessMs: cut ? s * 1000 + 600 - 20_000 : 600, unreachable: cut });
    push(s + 0.4, { kind: 'lag', replica: 'db-replica', state: cut ? 'down' : 'streaming', bytes: cut ? null : Math.round(rand() * 4000), writeLagMs: null, flushLagMs: null, replayLagMs: null });
  }
  for (let s = 2; s < 60; s += 3) {
    if (s >= 20 && s < 35) continue;
    push(s + 0.3, { kind: 'write', fn: 'clinical-note', writeId: `w${s}`, resourceType: 'DocumentReference', outcome: 'acknowledged', resourceId: `doc-${s}`, start: T0 + s * 1000 });
  }

  const verdicts: Verdict[] = [
    { checker: 'availability journal-lookup', status: 'pass', summary: 'journal-lookup at 100.0 % in every phase', details: { fn: 'journal-lookup' } },
    {
      checker: 'rto',
      status: 'fail',
      summary: 'fail: 1 fail, 0 unknown, 1 pass of 2',
      children: [
        { checker: 'rto admission', status: 'fail', summary: `admission after site-power#1: recovered in 20.0 min scripted + 5.0 s measured ${HOSTILE}`, details: { fn: 'admission', fault: 'site-power', faultId: 'site-power#1', rtoMs: 25_000, rtoSplit: { scriptedMs: 1_200_000, measuredMs: 5000 } } },
        { checker: 'rto journal-lookup', status: 'pass', summary: 'journal-lookup after site-power#1: no outage', details: { fn: 'journal-lookup', fault: 'site-power', faultId: 'site-power#1', rtoMs: 0, rtoSplit: { scriptedMs: 0, measuredMs: 0 } } },
      ],
    },
    {
      checker: 'lost writes',
      status: 'fail',
      summary: '1 acknowledged write lost',
      details: { attempted: 13, present: 12, lost: [{ writeId: 'w17', fn: 'clinical-note', resourceType: 'DocumentReference', resourceId: 'doc-17', acknowledgedAt: T0 + 17_300, scenarioMs: scenarioAt(17.3) }] },
    },
    { checker: 'staleness opslag', status: 'unknown', summary: 'no heartbeat seen through Opslags-EPJ in the fault phase' },
  ];
  const history = History.from(events);
  const journal = buildJournal({ experiment: `Power cut ${HOSTILE}`, status: 'completed', runId: 'html-test', seed: 9, verdicts, history, definition: referenceStack() }, { id: 'html-test', provenance: PROVENANCE });
  return JSON.parse(JSON.stringify(journal)) as JournalFile;
}

describe('HTML report in headless Chromium', function () {
  this.timeout(180_000);
  let dir: string;
  let browser: Browser | undefined;

  before(async () => {
    if (!existsSync(CHROMIUM)) throw new Error(`no Chromium at ${CHROMIUM}: run scripts/setup.sh (it installs Debian's chromium), or set EPJ_CHAOS_CHROMIUM`);
    dir = await mkdtemp(path.join(tmpdir(), 'epj-chaos-html-'));
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'], timeout: 90_000 });
  });
  after(async () => {
    await browser?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('renders offline: no console error, no request but the file, the charts drawn, the failed functions named; a screenshot saved', async () => {
    const journal = constructedJournal();
    const [file] = await htmlReporter().onEnd!(journal, dir);
    expect(file).to.equal(path.join(dir, 'index.html'));
    const html = renderHtml(journal);
    expect(html).to.not.include('<img src="https://example.invalid');
    expect(html).to.not.match(/<(link|img|iframe)\b[^>]*(src|href)=/i);

    const page = await browser!.newPage({ viewport: { width: 1200, height: 900 } });
    page.setDefaultTimeout(60_000);
    const problems: string[] = [];
    const requests: string[] = [];
    page.on('console', (m) => {
      if (m.type() === 'error' || m.type() === 'warning') problems.push(`${m.type()}: ${m.text()}`);
    });
    page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
    page.on('dialog', (d) => {
      problems.push(`dialog: ${d.message()}`);
      void d.dismiss();
    });
    page.on('request', (r) => requests.push(r.url()));
    const url = pathToFileURL(file!).href;
    await page.goto(url, { waitUntil: 'load', timeout: 60_000 });
    await page.waitForFunction(() => (window as unknown as { __report?: { ready: boolean } }).__report?.ready === true, undefined, { timeout: 60_000 });

    // the charts: one per function (availability, p50, p99), staleness (2 readers), gap (1 replica), what-if (1)
    const charts = await page.evaluate(() => {
      const r = (window as unknown as { __report: { charts: { id: string; series: number; u: { series: { show: boolean }[]; data: unknown[][] } }[] } }).__report;
      return r.charts.map((c) => ({ id: c.id, series: c.series, shown: c.u.series.slice(1).filter((s) => s.show).length, points: c.u.data[0]!.length }));
    });
    const byId = Object.fromEntries(charts.map((c) => [c.id, c]));
    expect(Object.keys(byId).sort()).to.deep.equal(['chart-fn-0', 'chart-fn-1', 'chart-fn-2', 'chart-fn-3', 'chart-lag', 'chart-staleness', 'chart-whatif']);
    for (let k = 0; k < 4; k++) expect(byId[`chart-fn-${k}`]).to.include({ series: 3, shown: 3 });
    expect(byId['chart-staleness']!.series).to.equal(2);
    expect(byId['chart-lag']!.series).to.equal(1);
    expect(byId['chart-whatif']!.series).to.equal(1);
    expect(byId['chart-fn-0']!.points).to.be.at.least(60);
    // every uPlot canvas holds ink (something was drawn, not an empty box)
    const inked = await page.$$eval('.uplot canvas', (cs) =>
      cs.map((c) => {
        const cv = c as HTMLCanvasElement;
        const data = cv.getContext('2d')!.getImageData(0, 0, cv.width, cv.height).data;
        let n = 0;
        for (let i = 3; i < data.length; i += 4) if (data[i]! > 0) n++;
        return n;
      }),
    );
    expect(inked.length).to.equal(7);
    for (const n of inked) expect(n).to.be.greaterThan(500);

    // the summary in words names the functions that failed, and the checks with their verdicts
    const summary = await page.locator('#summary').innerText();
    expect(summary).to.match(/admission was unavailable for/);
    expect(summary).to.match(/clinical-note was unavailable for/);
    expect(summary).to.match(/journal-lookup kept working through a-epj at Holstebro, then b-epj at Skejby throughout/);
    expect(summary).to.match(/1 acknowledged write was lost/);
    expect(await page.locator('#failed-functions').innerText()).to.equal('admission, clinical-note');
    const checks = await page.locator('#checks').innerText();
    for (const word of ['✔ pass', '✖ fail', '? unknown', 'lost writes', 'staleness opslag']) expect(checks).to.include(word);
    // hostile journal text is shown as text, never run
    expect(await page.locator('h1').innerText()).to.include('<script>');
    expect(await page.locator('#tables').innerText()).to.include('20.0 min scripted + 5.0 s measured');

    expect(problems, problems.join('\n')).to.deep.equal([]);
    expect(requests).to.deep.equal([url]);

    const shots = path.join(PROJECT_ROOT, 'reports', 'test-screens');
    await mkdir(shots, { recursive: true });
    const png = path.join(shots, 'html-report.png');
    await page.screenshot({ path: png, fullPage: true, timeout: 60_000 });
    expect((await stat(png)).size).to.be.greaterThan(10_000);

    // print: the charts shrink to the paper's width, and Chromium makes a PDF of the page
    await page.emulateMedia({ media: 'print' });
    await page.evaluate(() => window.dispatchEvent(new Event('beforeprint')));
    const printWidths = await page.$$eval('.uplot', (us) => us.map((u) => (u as HTMLElement).offsetWidth));
    for (const w of printWidths) expect(w).to.be.at.most(700);
    const pdf = await page.pdf({ format: 'A4' });
    expect(pdf.subarray(0, 5).toString()).to.equal('%PDF-');
    await page.evaluate(() => window.dispatchEvent(new Event('afterprint')));
    await page.emulateMedia({ media: 'screen' });

    // a phone's width: the page does not scroll sideways (tables scroll inside their own box)
    await page.setViewportSize({ width: 390, height: 844 });
    await page.waitForFunction(() => [...document.querySelectorAll('.uplot')].every((u) => (u as HTMLElement).offsetWidth <= window.innerWidth), undefined, { timeout: 30_000 });
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
    expect(overflow).to.be.at.most(0);
    await page.screenshot({ path: path.join(shots, 'html-report-phone.png'), fullPage: false, timeout: 60_000 });
    await page.close();
  });

});

describe('HTML report: rendering without a browser', () => {
  it('a journal without staleness or writes omits the what-if curve with a line saying why', () => {
    const journal = constructedJournal();
    journal.events = journal.events.filter((e) => e.kind !== 'staleness' && e.kind !== 'write');
    const html = renderHtml(journal);
    expect(html).to.include('What-if failover curve omitted: the run has no staleness samples of a replica database');
    expect(html).to.not.include('id="chart-whatif"');
  });

  it('a run that recorded nothing still renders, and says no check was run', () => {
    const journal = JSON.parse(JSON.stringify(buildJournal({ experiment: 'empty', status: 'failed', reason: 'stack did not start', verdicts: [], history: History.from([]) }, { id: 'norun-x', provenance: PROVENANCE }))) as JournalFile;
    const html = renderHtml(journal);
    expect(html).to.include('No check was run.');
    expect(html).to.include('stack did not start');
    expect(html).to.include('The stack definition was not recorded');
  });

  it("shows the experiment's own text as it was run, escaped, and says when it was not recorded", () => {
    const journal = constructedJournal();
    journal.source = { file: 'experiments/x.experiment.ts', text: "experiment('x', { checks: {} }); // </code></pre><script>alert(1)</script>\n" };
    const html = renderHtml(journal);
    expect(html).to.include('Its text as run: <code>experiments/x.experiment.ts</code>');
    expect(html).to.include("experiment(&#39;x&#39;, { checks: {} }); // &lt;/code&gt;&lt;/pre&gt;&lt;script&gt;alert(1)&lt;/script&gt;");
    expect(html).to.not.include('<script>alert(1)');
    delete journal.source;
    expect(renderHtml(journal)).to.include("The experiment's text was not recorded in this journal");
  });

  it('journal text cannot leave the data block or an attribute', () => {
    const block = jsonForScript({ s: '</script><script>x()</script><!-- \u2028' });
    expect(block).to.not.match(/[<>&]/);
    expect(JSON.parse(block)).to.deep.equal({ s: '</script><script>x()</script><!-- \u2028' });
    expect(esc(`"'<&>`)).to.equal('&quot;&#39;&lt;&amp;&gt;');
  });

  it('per-second percentiles from sparse bins agree with the mergeable histogram', () => {
    const rand = mulberry32(3);
    for (let k = 0; k < 50; k++) {
      const parts = [new MergeableHistogram(), new MergeableHistogram()];
      const whole = new MergeableHistogram();
      const n = 1 + Math.floor(rand() * 200);
      for (let i = 0; i < n; i++) {
        const v = rand() < 0.1 ? 2000 + rand() * 100 : rand() * rand() * 400;
        parts[i % 2]!.record(v);
        whole.record(v);
      }
      expect(sparsePercentiles(parts.map((p) => p.toSparse()), [0.5, 0.99])).to.deep.equal([whole.percentile(0.5), whole.percentile(0.99)]);
    }
  });
});
