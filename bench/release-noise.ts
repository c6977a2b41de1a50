/**
 * Benchmark: how much a release comparison's measures move from run to run, and whether the planted regression
 * stands out of that noise. The drill of test/integration/release-compare.test.ts (the primary database restarts
 * under load) runs N times on the current EPJ (epj-chaos/epj:dev) and N times on the candidate with the planted
 * regression (epj-chaos/epj:regressed, fixtures/epj/regression.go). Prints, from the journals alone:
 *   - the same release against itself, single runs pairwise (the floors alone) and the first half of the current
 *     runs against the second (spreads and floors): what `compare` calls worse there is noise (goal: nothing);
 *   - current against candidate: what got worse (goal: the RTOs, by seconds);
 *   - each measure's spread over the current runs, the noisiest first;
 *   - the wall time.
 * BENCH_DRILL=upgrade runs the library's rolling-upgrade release drill (experiments/release-drill.experiment.ts)
 * instead, with each release as its candidate.
 * BENCH_JOURNALS=<the journals directory an earlier run printed> judges those journals again, running nothing.
 * Asserts nothing.   node dist/bench/release-noise.js        BENCH_RUNS=6 BENCH_DRILL=upgrade node dist/bench/release-noise.js
 */
import { mkdtemp, readdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { compareSides, regressions } from '../harness/compare/compare.js';
import { measuresOf } from '../harness/compare/measures.js';
import { sampleOf } from '../harness/compare/noise.js';
import { IMAGES } from '../harness/images/catalog.js';
import { runExperiment, type ExperimentSpec } from '../harness/index.js';
import type { DeclaredExperiment } from '../harness/experiment/registry.js';
import { loadExperimentFiles } from '../harness/experiment/load.js';
import { fileURLToPath } from 'node:url';
import { withSettings } from '../harness/stack/load-definition.js';
import { releaseDrill, RELEASE_DRILL_TITLE } from '../test/support/release-drill.js';
import { readJournal } from '../harness/reporters/journal-schema.js';
import type { Side } from '../harness/compare/inputs.js';

const RUNS = Math.max(2, Number(process.env.BENCH_RUNS ?? 4));
/** `restart` (default): the primary database restarts; `upgrade`: the library's rolling-upgrade release drill */
const DRILL = process.env.BENCH_DRILL ?? 'restart';
if (DRILL !== 'restart' && DRILL !== 'upgrade') throw new Error(`BENCH_DRILL: restart or upgrade, not '${DRILL}'`);

/** The library's release drill, as its file declares it (loaded outside mocha, `experiment()` only declares). */
async function upgradeDrill(): Promise<DeclaredExperiment> {
  const [loaded] = await loadExperimentFiles([fileURLToPath(new URL('../experiments/release-drill.experiment.js', import.meta.url))]);
  return loaded!.experiments[0]!;
}
const upgrade = DRILL === 'upgrade' ? await upgradeDrill() : undefined;

/** The drill on one release: the restart drill with that EPJ image, or the rolling upgrade to it as the candidate. */
async function drillOn(image: string): Promise<{ title: string; spec: ExperimentSpec }> {
  if (!upgrade) return { title: RELEASE_DRILL_TITLE, spec: releaseDrill(image) };
  return { title: upgrade.title, spec: { ...upgrade.spec, stack: await withSettings(upgrade.spec.stack, { candidateEpjImage: image }) } };
}

/** BENCH_JOURNALS=<dir of an earlier run>: judge its journals again (after a change to compare) without running */
const REUSE = process.env.BENCH_JOURNALS;
const root = REUSE ?? (await mkdtemp(path.join(tmpdir(), 'epj-chaos-release-noise-')));
const started = Date.now();

async function runs(side: string, image: string): Promise<Side['runs']> {
  const dir = path.join(root, side);
  const { title, spec } = await drillOn(image);
  for (let i = 1; i <= (REUSE ? 0 : RUNS); i++) {
    const r = await runExperiment(title, spec, { reportDir: dir });
    console.log(`${side} run ${i}/${RUNS}: ${r.status}${r.reason ? ` (${r.reason})` : ''}`);
  }
  const files = (await readdir(dir, { recursive: true })).map(String).filter((f) => f.endsWith('journal.json'));
  return Promise.all(files.map(async (f) => ({ file: path.join(dir, f), journal: await readJournal(path.join(dir, f)) })));
}

const side = (runs: Side['runs'], target: string): Side => ({ target, runs });
const current = await runs('current', IMAGES.epj);
const candidate = await runs('candidate', IMAGES.epjRegressed);
const half = Math.floor(current.length / 2);

const show = (what: string, rows: ReturnType<typeof regressions>) => {
  console.log(`\n${what}: ${rows.length === 0 ? 'nothing worse' : `${rows.length} worse`}`);
  for (const r of rows) console.log(`  ${r.kind.padEnd(12)} ${r.measure}: ${r.a} → ${r.b} (${r.delta})`);
};
// single runs of the same release against each other, every ordered pair: how often do the floors alone cry wolf?
let pairs = 0;
const falseAlarms = new Map<string, number>();
for (const [i, a] of current.entries()) {
  for (const [j, b] of current.entries()) {
    if (i === j) continue;
    pairs++;
    for (const r of regressions(compareSides(side([a], `current ${i + 1}`), side([b], `current ${j + 1}`)))) falseAlarms.set(r.measure, (falseAlarms.get(r.measure) ?? 0) + 1);
  }
}
console.log(`\nsingle runs of the current release against each other (${pairs} ordered pairs): ${falseAlarms.size === 0 ? 'nothing worse in any' : 'worse in some'}`);
for (const [measure, n] of [...falseAlarms].sort((x, y) => y[1] - x[1])) console.log(`  ${measure}: worse in ${n} of ${pairs}`);
show(`the current release against itself (${half} runs against ${current.length - half})`, regressions(compareSides(side(current.slice(0, half), 'current 1'), side(current.slice(half), 'current 2'))));
show(`current (${current.length} runs) against the candidate with the planted regression (${candidate.length})`, regressions(compareSides(side(current, 'current'), side(candidate, 'candidate'))));

// each measure's spread over the current runs, relative to its median where that means something
const byKey = new Map<string, { label: string; unit: string; values: number[] }>();
for (const { journal } of current) {
  for (const m of measuresOf(journal)) {
    const e = byKey.get(m.key) ?? { label: m.label, unit: m.kind, values: [] };
    e.values.push(m.value);
    byKey.set(m.key, e);
  }
}
const spreads = [...byKey.values()]
  .filter((e) => e.values.length === current.length && e.values.every(Number.isFinite))
  .map((e) => ({ ...e, s: sampleOf(e.values) }))
  .sort((x, y) => y.s.spread / (Math.abs(y.s.median) || 1) - x.s.spread / (Math.abs(x.s.median) || 1));
console.log(`\nspread over the ${current.length} current runs (max − min; the noisiest first):`);
for (const e of spreads.slice(0, 15)) console.log(`  ${e.label.padEnd(60)} median ${e.s.median.toFixed(3)} spread ${e.s.spread.toFixed(3)} (${e.unit})`);
console.log(`\n${current.length + candidate.length} runs in ${((Date.now() - started) / 1000).toFixed(0)} s; journals in ${root}`);
