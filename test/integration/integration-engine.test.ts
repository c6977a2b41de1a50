import { expect } from 'chai';
import { failover } from '../../harness/actions/failover.js';
import { availabilityByPhase } from '../../harness/checkers/availability.js';
import { rtoByFault } from '../../harness/checkers/rto.js';
import { SitePower } from '../../harness/faults/composite/site-power.js';
import { FaultInjector } from '../../harness/faults/injector.js';
import type { FaultSpec } from '../../harness/faults/registry.js';
import { Clock } from '../../harness/history/clock.js';
import { History } from '../../harness/history/history.js';
import type { RunContext } from '../../harness/run-context.js';
import type { ClinicalFunction } from '../../harness/stack/definition.js';
import { referenceStack } from '../../harness/stack/reference-stack.js';
import type { StartedStack } from '../../harness/stack/started-stack.js';
import { upStack } from '../../harness/stack/up.js';
import { pollUntil, sleep } from '../../harness/stack/wait/poll.js';
import { runLoad } from '../../harness/workload/driver.js';
import { readBack } from '../../harness/workload/readback.js';
import { seedPatients, type SeededPatient } from '../../harness/workload/seed.js';
import { NOTHING, runObjects } from '../support/docker-objects.js';

/**
 * The integration engine (fixtures/integration-engine): the four functions that must reach a national service
 * before they commit fail together when it is gone — and nothing else does. By default it runs at site A only, so
 * a failover to B does not bring those four back; with one engine per site it does — that side is the library's
 * failover drill (experiments/failover-drill.experiment.ts: integrations at each site, every function back at B).
 */

const NATIONAL: ClinicalFunction[] = ['admission', 'discharge', 'referral', 'e-prescription'];
const LOCAL: ClinicalFunction[] = ['clinical-note', 'journal-lookup', 'read-only-lookup'];
const ALL = [...NATIONAL, ...LOCAL];
/** EPJ_INTEGRATION_TIMEOUT_MS's default (fixtures/epj/config.go) */
const INTEGRATION_TIMEOUT_MS = 1000;

const pct = (x: number | null | undefined) => (x === null || x === undefined ? 'n/a' : `${(100 * x).toFixed(1)} %`);

interface Stage {
  stack: StartedStack;
  patients: SeededPatient[];
}

async function stage(): Promise<Stage> {
  const stack = await upStack(referenceStack({ integrations: 'site-a' }));
  // seeding goes in transaction bundles, which notify no national service
  const patients = await seedPatients(stack.functionUrl('admission'), { patients: 300, admittedFraction: 0.5 });
  return { stack, patients };
}

/** Availability per function in the phase `name`, printed. */
function availabilityIn(history: History, name: string): Record<ClinicalFunction, number | null> {
  const phase = availabilityByPhase(history, { functions: ALL }).phases.find((p) => p.name === name)!;
  // a failure says its cause, so a run that fails says why (a timeout under load, a refusal, an error answer)
  const causes = (f: (typeof phase.functions)[number]) => (f.failed > 0 ? ` [${Object.entries(f.failures).map(([c, n]) => `${c} ${n}`).join(', ')}]` : '');
  console.log(`      ${name}: ${phase.functions.map((f) => `${f.fn} ${pct(f.availability)} (${f.successes}/${f.attempts})${causes(f)}`).join(', ')}`);
  return Object.fromEntries(phase.functions.map((f) => [f.fn, f.availability])) as Record<ClinicalFunction, number | null>;
}

/** Writes of `fns` that arrived in [from, to): none acknowledged, and none present when read back at `baseUrl`. */
async function expectNothingStored(history: History, baseUrl: string, fns: ClinicalFunction[], from: number, to: number): Promise<number> {
  const writes = history.ofKind('write').filter((w) => fns.includes(w.fn) && (w.start ?? w.t) >= from && (w.start ?? w.t) < to);
  expect(writes.filter((w) => w.outcome === 'acknowledged').map((w) => `${w.fn} ${w.resourceType}/${w.resourceId}`), 'acknowledged').to.deep.equal([]);
  const byType: Record<string, string[]> = {};
  for (const w of writes) (byType[w.resourceType] ??= []).push(w.writeId);
  expect(await readBack(baseUrl, byType), 'present on read-back').to.deep.equal([]);
  return writes.length;
}

/** Runs the load until `body` returns, then a little longer; `body` records the phases. */
async function underLoad(s: Stage, history: History, body: () => Promise<void>): Promise<void> {
  const stop = new AbortController();
  const load = runLoad({ stack: s.stack, history, patients: s.patients, durationMs: 0, signal: stop.signal, seed: 81 });
  try {
    await sleep(1500);
    await body();
  } finally {
    stop.abort();
    await load;
  }
}

/** WAN cut, then failover to B, under load: availability per function once B serves. */
async function failoverDrill(s: Stage): Promise<Record<ClinicalFunction, number | null>> {
  const history = new History();
  const ctx: RunContext = { stack: s.stack, history };
  const injector = await FaultInjector.start(ctx);
  let onB = 0;
  try {
    await underLoad(s, history, async () => {
      history.record({ kind: 'phase', name: 'baseline' });
      const wan = await injector.inject({ kind: 'wan-cut' });
      history.record({ kind: 'phase', name: 'wan cut', t: wan.appliedAt! });
      await failover().run(ctx);
      onB = history.record({ kind: 'phase', name: 'on site B' }).t;
      await sleep(5000);
      history.record({ kind: 'phase', name: 'end' });
    });
  } finally {
    await injector.close();
  }
  const atB = availabilityIn(history, 'on site B');
  const failedAtB = history.ofKind('write').filter((w) => (w.start ?? w.t) >= onB && w.outcome !== 'acknowledged');
  if (failedAtB.length > 0 && failedAtB.length < 10) {
    console.log(`      writes not acknowledged at B, ms after the failover: ${failedAtB.map((w) => `${w.fn} ${Math.round((w.start ?? w.t) - onB)} (${w.outcome}${w.status ? ` ${w.status}` : ''}, answered after ${Math.round(w.t - (w.start ?? w.t))} ms)`).join(', ')}`);
  }
  for (const fn of LOCAL) expect(atB[fn], `${fn} at B`).to.be.at.least(0.99);
  if (NATIONAL.every((fn) => (atB[fn] ?? 1) < 0.05)) {
    const end = history.ofKind('phase').find((p) => p.name === 'end')!.t;
    const n = await expectNothingStored(history, s.stack.functionUrl('clinical-note'), NATIONAL, onB, end);
    console.log(`      ${n} writes of the four functions at B: none acknowledged, none stored`);
  }
  return atB;
}

describe('integration engine: the national endpoints admission, discharge, referral and e-prescription need', function () {
  this.timeout(240_000);
  let siteA: Stage;

  before(async () => {
    const t0 = Date.now();
    siteA = await stage();
    console.log(`      stack up and seeded in ${Date.now() - t0} ms`);
  });

  after(async () => {
    if (!siteA) return;
    await siteA.stack.down();
    expect(await runObjects(siteA.stack.runId)).to.deep.equal(NOTHING);
  });

  it('killed under load: exactly those four functions fail, nothing of theirs is stored, and all recover after heal', async () => {
    const { stack } = siteA;
    const history = new History();
    const ctx: RunContext = { stack, history };
    const injector = await FaultInjector.start(ctx);
    const kill: FaultSpec = { kind: 'container-kill', target: { role: 'integration-engine' } };
    let down = 0;
    let returning = 0;
    let healed = 0;
    try {
      await underLoad(siteA, history, async () => {
        history.record({ kind: 'phase', name: 'baseline' });
        await sleep(2000);
        const fault = await injector.inject(kill);
        // from asking for the kill to the engine's recorded death a call may get through or be cut off: a phase of
        // its own, not judged; it opens with the kill, an onset — a baseline call it caught in flight is the kill's
        history.record({ kind: 'phase', name: 'taking hold', t: fault.firstEffectAt!, onset: true });
        down = history.record({ kind: 'phase', name: 'engine down', t: fault.heldFrom! }).t;
        await sleep(4000);
        // a call that starts within the EPJ's integration timeout (1 s) of the heal may be answered by the engine
        // once it is back: such attempts belong to no clear-cut phase
        returning = history.record({ kind: 'phase', name: 'engine returning' }).t;
        await sleep(INTEGRATION_TIMEOUT_MS);
        await fault.heal(ctx);
        healed = history.record({ kind: 'phase', name: 'healed', t: fault.healedAt! }).t;
        await stack.awaitHealthy(30_000);
        history.record({ kind: 'phase', name: 'ready again' });
        await sleep(4000);
        history.record({ kind: 'phase', name: 'end' });
      });
    } finally {
      await injector.close();
    }
    const base = availabilityIn(history, 'baseline');
    const dead = availabilityIn(history, 'engine down');
    availabilityIn(history, 'engine returning');
    const after = availabilityIn(history, 'ready again');
    const acked = history.ofKind('write').filter((w) => NATIONAL.includes(w.fn) && w.outcome === 'acknowledged' && w.start! >= down && w.start! < healed);
    console.log(`      acknowledged between the kill and the heal, ms after the kill: ${acked.map((w) => `${w.fn} ${Math.round(w.start! - down)}`).join(', ') || 'none'} (heal at ${healed - down})`);
    for (const fn of ALL) expect(base[fn], `${fn} before`).to.be.at.least(0.99);
    for (const fn of NATIONAL) expect(dead[fn], `${fn} with the engine down`).to.be.at.most(0.05);
    for (const fn of LOCAL) expect(dead[fn], `${fn} with the engine down`).to.be.at.least(0.99);
    for (const fn of ALL) expect(after[fn], `${fn} after heal`).to.be.at.least(0.99);

    // an attempt that reached the engine in the instant before it died may still be acknowledged: start 100 ms in
    const n = await expectNothingStored(history, stack.functionUrl('clinical-note'), NATIONAL, down + 100, returning);
    console.log(`      ${n} writes of the four functions while the engine was down: none acknowledged, none stored`);
    for (const r of rtoByFault(history, { functions: NATIONAL, holdMs: 1000 })) console.log(`      ${r.fn}: ${r.status}, RTO ${Math.round(r.rtoMs ?? NaN)} ms (heal done ${healed - down} ms after the kill)`);
  });

  it('not back after a power loss at site A: the EPJ is up, and exactly those four functions fail', async () => {
    const { stack } = siteA;
    // one scenario minute per wall second: the UPS holds 6 s, power is back after a minute
    const history = new History(new Clock(60));
    const ctx: RunContext = { stack, history };
    const injector = await FaultInjector.start(ctx);
    const engine = stack.definition.containers.find((c) => c.role === 'integration-engine' && c.site === 'a')!;
    const power = new SitePower({
      site: 'a',
      generator: { starts: false },
      upsRuntimeMs: 6_000,
      mainsRestoredAfterMs: 60_000,
      boot: [{ component: engine.name, afterMs: 0, returns: false }],
    });
    try {
      await injector.inject(power);
      await power.settled();
      const front = stack.functionUrl('clinical-note');
      await pollUntil('the EPJ at site A up again', async () => (await fetch(`${front}/healthz`, { signal: AbortSignal.timeout(2000) })).status === 200, {
        timeoutMs: 60_000,
        intervalMs: 200,
      });
      await underLoad(siteA, history, async () => {
        history.record({ kind: 'phase', name: 'EPJ up, engine not' });
        await sleep(5000);
        history.record({ kind: 'phase', name: 'end' });
      });
    } finally {
      await injector.close();
    }
    const up = availabilityIn(history, 'EPJ up, engine not');
    for (const fn of NATIONAL) expect(up[fn], fn).to.be.at.most(0.01);
    for (const fn of LOCAL) expect(up[fn], fn).to.be.at.least(0.99);
    await stack.awaitHealthy(60_000);
  });

  it('failover drill, engine at site A only: after a WAN cut and failover, those four still fail at B; notes and lookups work', async () => {
    const atB = await failoverDrill(siteA);
    for (const fn of NATIONAL) expect(atB[fn], `${fn} at B`).to.be.at.most(0.01);
  });
});
