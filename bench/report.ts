/**
 * Benchmark: the HTML report of a long run. A synthetic journal (made here, not by waiting) of N wall seconds × 7
 * clinical functions, three faults (site power, WAN cut, core switch) and a failover, staleness and gap samples every
 * second, a note written every 2 s; rendered to index.html and opened in headless Chromium (Debian's chromium through
 * playwright-core). Prints the file's size, the render in Node, and Chromium's time from navigation to every chart
 * drawn, for 600 s and 3,600 s at the base request rate and for 3,600 s at 5× the rate: the page must grow with the
 * run's seconds, not with its requests. Targets: index.html ≤ 2 MB and ≤ 1 s in Chromium for the one-hour run.
 * Prints figures; asserts nothing.
 *   npm run bench:report        BENCH_RUNS=3 EPJ_CHAOS_CHROMIUM=/usr/bin/chromium node dist/bench/report.js
 */
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium } from 'playwright-core';
import type { Verdict } from '../harness/checkers/verdict.js';
import type { HistoryEvent } from '../harness/history/events.js';
import { History } from '../harness/history/history.js';
import { htmlReporter } from '../harness/reporters/html/index.js';
import { renderHtml } from '../harness/reporters/html/render.js';
import { buildJournal } from '../harness/reporters/journal.js';
import type { JournalFile } from '../harness/reporters/journal-schema.js';
import { collectProvenance } from '../harness/reporters/provenance.js';
import { CLINICAL_FUNCTIONS, type ClinicalFunction } from '../harness/stack/definition.js';
import { referenceStack } from '../harness/stack/reference-stack.js';
import { mulberry32 } from '../harness/util/prng.js';
import { syntheticRequests } from '../test/support/synthetic-requests.js';

const CHROMIUM = process.env.EPJ_CHAOS_CHROMIUM ?? '/usr/bin/chromium';
const RUNS = Number(process.env.BENCH_RUNS ?? 3);
const T0 = 1_800_000_000_000;
const SCALE = 1; // a one-hour real-time run: scenario = wall, except nothing is compressed
const BASE_RATE: Record<ClinicalFunction, number> = {
  'journal-lookup': 45,
  'clinical-note': 17,
  admission: 3,
  discharge: 3,
  referral: 2,
  'e-prescription': 8,
  'read-only-lookup': 10,
};

/** A synthetic journal of `seconds` wall seconds; `rateFactor` multiplies every function's attempts per second. */
async function syntheticJournal(seconds: number, rateFactor: number): Promise<JournalFile> {
  const rand = mulberry32(seconds + rateFactor);
  const events: HistoryEvent[] = [];
  const push = (sec: number, e: Record<string, unknown>, mark: 'scripted' | 'measured' = 'scripted') =>
    events.push({ ...e, t: T0 + Math.round(sec * 1000), scenarioMs: Math.round(sec * 1000 * SCALE), clockMark: mark } as unknown as HistoryEvent);
  const at = (f: number) => Math.round(seconds * f);
  // three faults, one failover, four phases
  const faults = [
    { id: 'site-power#1', fault: 'site-power', target: 'site-a', from: at(0.15), to: at(0.4), down: ['journal-lookup', 'clinical-note', 'admission', 'discharge', 'referral', 'e-prescription'] },
    { id: 'wan-cut#1', fault: 'wan-cut', target: 'wan', from: at(0.5), to: at(0.6), down: ['read-only-lookup'] },
    { id: 'core-switch#1', fault: 'core-switch', target: 'site-a', from: at(0.7), to: at(0.85), down: ['e-prescription', 'referral'] },
  ];
  push(0, { kind: 'clock', mark: 'scripted', scale: SCALE });
  push(0, { kind: 'phase', name: 'baseline' });
  push(at(0.15), { kind: 'phase', name: 'power cut' });
  push(at(0.5), { kind: 'phase', name: 'wan cut' });
  push(at(0.7), { kind: 'phase', name: 'switch down' });
  push(at(0.85), { kind: 'phase', name: 'recovery' });
  for (const f of faults) {
    push(f.from - 0.2, { kind: 'fault', id: f.id, fault: f.fault, stage: 'scheduled', target: f.target });
    push(f.from, { kind: 'fault', id: f.id, fault: f.fault, stage: 'applied', target: f.target, skewMs: 200 });
    push(f.from + 1, { kind: 'fault', id: f.id, fault: f.fault, stage: 'observed', target: f.target });
    push(f.to, { kind: 'fault', id: f.id, fault: f.fault, stage: 'healed', target: f.target });
  }
  push(at(0.3), { kind: 'action', id: 'failover#1', action: 'failover', stage: 'started' });
  push(at(0.3) + 20, { kind: 'action', id: 'failover#1', action: 'failover', stage: 'completed' });
  for (let s = 0; s < seconds; s++) {
    for (const fn of CLINICAL_FUNCTIONS) {
      const attempts = Math.max(1, Math.round(BASE_RATE[fn] * rateFactor));
      const failing = faults.some((f) => s >= f.from && s < f.to && f.down.includes(fn));
      push(s + 1, syntheticRequests(fn, T0 + s * 1000, attempts, failing, () => 4 + rand() * rand() * 300));
    }
    const cut = s >= faults[1]!.from && s < faults[1]!.to;
    push(s + 0.5, { kind: 'staleness', reader: 'b-db', via: 'sql', link: 'b-db-admin', heartbeatAt: T0 + (cut ? faults[1]!.from * 1000 : s * 1000 + 100), stalenessMs: cut ? (s - faults[1]!.from) * 1000 + 400 : 400, unreachable: false });
    push(s + 0.6, { kind: 'staleness', reader: 'b-lookup', via: 'fhir', link: 'lookup-front', heartbeatAt: T0 + s * 1000, stalenessMs: 600, unreachable: false });
    push(s + 0.4, { kind: 'lag', replica: 'b-db', state: cut ? 'down' : 'streaming', bytes: cut ? null : Math.round(rand() * 8000), writeLagMs: null, flushLagMs: null, replayLagMs: null });
    if (s % 2 === 0) push(s + 0.3, { kind: 'write', fn: 'clinical-note', writeId: `w${s}`, resourceType: 'DocumentReference', outcome: 'acknowledged', resourceId: `doc-${s}`, start: T0 + s * 1000 });
  }
  events.sort((a, b) => a.t - b.t);
  const verdicts: Verdict[] = [
    { checker: 'availability', status: 'fail', summary: 'six functions below 99 % in the power cut' },
    {
      checker: 'rto',
      status: 'fail',
      summary: 'fail',
      children: faults.flatMap((f) => f.down.map((fn) => ({ checker: `rto ${fn}`, status: 'pass' as const, summary: `${fn} after ${f.id}`, details: { fn, fault: f.fault, faultId: f.id, rtoMs: (f.to - f.from) * 1000, rtoSplit: { scriptedMs: (f.to - f.from) * 1000 - 5000, measuredMs: 5000 } } }))),
    },
    { checker: 'staleness', status: 'unknown', summary: 'no heartbeat through Opslags-EPJ in the WAN cut' },
  ];
  const provenance = await collectProvenance({ docker: null });
  const j = buildJournal({ experiment: `Synthetic ${seconds}-s run`, status: 'completed', runId: `bench${seconds}`, seed: 1, verdicts, history: History.from(events), definition: referenceStack() }, { id: `bench${seconds}`, provenance });
  return JSON.parse(JSON.stringify(j)) as JournalFile;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const kb = (n: number) => `${(n / 1024).toFixed(0)} KB`;

const browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'], timeout: 90_000 });
const dir = await mkdtemp(path.join(tmpdir(), 'epj-chaos-bench-report-'));
try {
  console.log(`HTML report: synthetic runs × 7 functions, 3 faults, 1 failover; Chromium ${browser.version()}; median of ${RUNS} loads`);
  const rows: { seconds: number; rate: number; bytes: number; renderMs: number; chromeMs: number; requests: number }[] = [];
  for (const [seconds, rate] of [
    [600, 1],
    [3600, 1],
    [3600, 5],
  ] as const) {
    const journal = await syntheticJournal(seconds, rate);
    const requests = Object.values(journal.perFunctionSeconds.functions).flat().reduce((n, r) => n + r.attempts, 0);
    const t0 = performance.now();
    renderHtml(journal);
    const renderMs = performance.now() - t0;
    const out = path.join(dir, `${seconds}-${rate}`);
    const [file] = await htmlReporter().onEnd!(journal, out);
    const bytes = (await stat(file!)).size;
    const times: number[] = [];
    for (let i = 0; i < RUNS; i++) {
      const page = await browser.newPage({ viewport: { width: 1200, height: 900 } });
      await page.goto(pathToFileURL(file!).href, { waitUntil: 'load', timeout: 120_000 });
      await page.waitForFunction(() => (window as unknown as { __report?: { ready: boolean } }).__report?.ready === true, undefined, { timeout: 120_000 });
      // navigation start (performance's time origin) → every chart drawn
      times.push(await page.evaluate(() => (window as unknown as { __report: { readyAt: number } }).__report.readyAt));
      await page.close();
    }
    const chromeMs = median(times);
    rows.push({ seconds, rate, bytes, renderMs, chromeMs, requests });
    console.log(
      `  ${String(seconds).padStart(4)} s at ${rate}× rate (${requests.toLocaleString('en')} requests): index.html ${kb(bytes)} (${(bytes / seconds).toFixed(0)} B per run second), ` +
        `renderHtml ${renderMs.toFixed(0)} ms, Chromium navigation → charts drawn ${chromeMs.toFixed(0)} ms (loads: ${times.map((t) => t.toFixed(0)).join(', ')} ms)`,
    );
  }
  const [short, hour, busy] = rows as [(typeof rows)[0], (typeof rows)[0], (typeof rows)[0]];
  console.log(`  one-hour run: ${(hour.bytes / 2 ** 20).toFixed(2)} MB (target ≤ 2 MB: ${hour.bytes <= 2 * 2 ** 20 ? 'met' : 'MISSED'}), ${hour.chromeMs.toFixed(0)} ms in Chromium (target ≤ 1000 ms: ${hour.chromeMs <= 1000 ? 'met' : 'MISSED'})`);
  const perSecond = (hour.bytes - short.bytes) / (hour.seconds - short.seconds);
  console.log(`  size = ${kb(short.bytes - perSecond * short.seconds)} fixed (uPlot, styles, tables) + ${perSecond.toFixed(0)} B per run second (7 functions × availability, p50, p99; staleness, gap, what-if)`);
  console.log(`  growth 600 s → 3,600 s (6× the seconds): size ×${(hour.bytes / short.bytes).toFixed(2)}, Chromium ×${(hour.chromeMs / short.chromeMs).toFixed(2)}`);
  console.log(`  5× the requests in the same 3,600 s: size ×${(busy.bytes / hour.bytes).toFixed(2)}, Chromium ×${(busy.chromeMs / hour.chromeMs).toFixed(2)} (≈1: cost follows seconds, not requests)`);
} finally {
  await browser.close();
  await rm(dir, { recursive: true, force: true });
}
