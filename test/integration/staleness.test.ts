import { expect } from 'chai';
import { failover } from '../../harness/actions/index.js';
import { stalenessAt, stalenessByPhase, stalenessVerdict, whatIfFailover, type WhatIfPoint } from '../../harness/checkers/index.js';
import { FaultInjector } from '../../harness/faults/injector.js';
import type { Fault } from '../../harness/faults/fault.js';
import { History } from '../../harness/history/history.js';
import type { StalenessEvent } from '../../harness/history/events.js';
import { replicationModeOf } from '../../harness/probes/replication-mode.js';
import { startStalenessProbe, type StalenessProbe } from '../../harness/probes/staleness.js';
import type { RunContext } from '../../harness/run-context.js';
import { parseStackDefinition } from '../../harness/stack/definition.js';
import { referenceStack } from '../../harness/stack/reference-stack.js';
import { StartedStack } from '../../harness/stack/started-stack.js';
import { upStack } from '../../harness/stack/up.js';
import { pollUntil, sleep } from '../../harness/stack/wait/poll.js';
import { defaultProfile, onlyFunctions, runLoad, seedPatients, WRITE_FUNCTIONS, type SeededPatient } from '../../harness/workload/index.js';
import { NOTHING, runObjects } from '../support/docker-objects.js';

/**
 * Staleness (pt-heartbeat) and the what-if failover curve on the real reference stack: a WAN cut of known length
 * shows as that much staleness at the replica and at Opslags-EPJ; under an injected replication delay the curve's
 * level is writes/s × delay; under remote_apply the curve is 0 by construction. Bounds are what the measurement
 * guarantees (heartbeat interval + sampling), not a quiet machine's timing.
 */

const HEARTBEAT_MS = 200;
/** the resolution the brief asks for: staleness within heartbeat interval + 250 ms of the truth */
const TOLERANCE_MS = HEARTBEAT_MS + 250;
const WRITES = onlyFunctions(defaultProfile, WRITE_FUNCTIONS);

async function tearDown(stack: StartedStack | undefined) {
  if (!stack) return;
  await stack.down();
  expect(await runObjects(stack.runId)).to.deep.equal(NOTHING);
}

function faultInstant(history: History, fault: Fault, stage: 'applied' | 'healed'): number {
  const e = history.ofKind('fault').find((f) => f.id === fault.id && f.stage === stage);
  if (!e) throw new Error(`${fault.id} has no ${stage} event`);
  return e.t;
}

/** Polls until every reader's newest sample shows staleness below `ms` (caught up again); returns how long it took. */
function awaitFresh(probe: StalenessProbe, ms: number): Promise<number> {
  return pollUntil(
    `every reader fresher than ${ms} ms`,
    async () => probe.readers.every((r) => (probe.lastSample(r.reader)?.stalenessMs ?? Infinity) < ms),
    { timeoutMs: 30_000, intervalMs: 100 },
  );
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};

describe('staleness and the what-if failover curve on the async reference stack', function () {
  this.timeout(180_000);
  let stack: StartedStack;
  let patients: SeededPatient[];

  before(async () => {
    stack = await upStack(referenceStack());
    patients = await seedPatients(stack.functionUrl('admission'), { patients: 300 });
  });
  after(() => tearDown(stack));

  it('a WAN cut of known length: the replica’s and Opslags-EPJ’s staleness grow to the cut’s length (± heartbeat + 250 ms)', async () => {
    const history = new History();
    const ctx: RunContext = { stack, history };
    const injector = await FaultInjector.start(ctx);
    const probe = await startStalenessProbe(ctx, { heartbeatIntervalMs: HEARTBEAT_MS, sampleIntervalMs: HEARTBEAT_MS });
    expect(probe.readers).to.deep.equal([
      { reader: 'b-db', via: 'sql', link: 'b-db-admin' },
      { reader: 'b-lookup', via: 'fhir', link: 'lookup-front' },
    ]);
    expect(probe.skipped).to.deep.equal([]);
    let cut: Fault;
    let healStarted = 0;
    let freshAfterMs = 0;
    try {
      history.record({ kind: 'phase', name: 'baseline' });
      await sleep(1500);
      cut = await injector.inject({ kind: 'wan-cut' });
      history.record({ kind: 'phase', name: 'wan-cut', t: faultInstant(history, cut, 'applied') });
      await sleep(4000);
      healStarted = Date.now();
      await cut.heal(ctx);
      history.record({ kind: 'phase', name: 'recovery', t: faultInstant(history, cut, 'healed') });
      freshAfterMs = await awaitFresh(probe, TOLERANCE_MS);
    } finally {
      await probe.stop();
      await injector.close();
    }
    const applied = faultInstant(history, cut, 'applied');
    const healed = faultInstant(history, cut, 'healed');
    const cutMs = healed - applied;
    const report = stalenessByPhase(history);
    const inCut = report.phases.find((p) => p.name === 'wan-cut')!;
    for (const r of inCut.readers) {
      // from samples before the heal began: the replica may catch up within ms of the toxic's removal, before `healed` is stamped
      const atHeal = stalenessAt(history, r.reader, healStarted)! + (healed - healStarted);
      const before = report.phases.find((p) => p.name === 'baseline')!.readers.find((b) => b.reader === r.reader)!;
      console.log(
        `      ${r.reader} (${r.via}): cut ${cutMs} ms → peak sampled ${r.peakMs} ms (${r.peakMs! - cutMs} ms), at the heal ${atHeal} ms ` +
          `(${atHeal - cutMs} ms); ${r.samples} samples in the cut, ${r.unreachable} unreachable; baseline mean ${before.meanMs} ms, peak ${before.peakMs} ms`,
      );
      expect(r.samples, `${r.reader}: samples through the cut`).to.be.above(cutMs / HEARTBEAT_MS / 2);
      expect(r.peakMs! - cutMs, `${r.reader}: peak sampled staleness − cut`).to.be.within(-TOLERANCE_MS, TOLERANCE_MS);
      // at the heal instant (from the last sample before it) the staleness is the cut plus at most one heartbeat's age
      expect(atHeal - cutMs, `${r.reader}: staleness at the heal − cut`).to.be.within(-50, TOLERANCE_MS);
      expect(before.peakMs, `${r.reader}: baseline`).to.be.below(TOLERANCE_MS);
      // the primary took every heartbeat through the cut, so the reader's lag behind it grew as its staleness did
      const lags = history.ofKind('staleness').filter((s) => s.reader === r.reader && s.t >= applied && s.t < healed).map((s) => s.lagMs!);
      expect(Math.max(...lags) - cutMs, `${r.reader}: peak lag − cut`).to.be.within(-TOLERANCE_MS, TOLERANCE_MS);
    }
    // staleness kept growing through the cut: each sample at least the one before (same heartbeat, later instant)
    for (const reader of ['b-db', 'b-lookup']) {
      const cutSamples = history.ofKind('staleness').filter((s) => s.reader === reader && s.t >= applied + TOLERANCE_MS && s.t < healed);
      for (let i = 1; i < cutSamples.length; i++) expect(cutSamples[i]!.stalenessMs!, reader).to.be.at.least(cutSamples[i - 1]!.stalenessMs!);
    }
    const verdict = stalenessVerdict(history, { boundMs: cutMs + TOLERANCE_MS, phases: ['wan-cut'] });
    console.log(`      ${verdict.summary}: ${verdict.children!.map((c) => c.summary).join('; ')}`);
    expect(verdict.status).to.equal('pass');
    expect(stalenessVerdict(history, { boundMs: cutMs - TOLERANCE_MS, phases: ['wan-cut'] }).status).to.equal('fail');
    console.log(`      both fresh again (< ${TOLERANCE_MS} ms) ${freshAfterMs} ms after the heal`);
  });

  it('a reader that cannot answer is sampled unreachable, its staleness still growing from its last heartbeat', async () => {
    const history = new History();
    const ctx: RunContext = { stack, history };
    const injector = await FaultInjector.start(ctx);
    const probe = await startStalenessProbe(ctx, { heartbeatIntervalMs: HEARTBEAT_MS, sampleIntervalMs: HEARTBEAT_MS, timeoutMs: 1000 });
    let hole: Fault;
    let healStarted = 0;
    try {
      await sleep(1000);
      hole = await injector.inject({ kind: 'blackhole', target: { links: ['lookup-front'] } });
      await sleep(3000);
      healStarted = Date.now();
      await hole.heal(ctx);
      await awaitFresh(probe, TOLERANCE_MS);
    } finally {
      await probe.stop();
      await injector.close();
    }
    const applied = faultInstant(history, hole, 'applied');
    const of = (reader: string) => history.ofKind('staleness').filter((s) => s.reader === reader);
    // requests sent once the hole was there time out after 1 s, and are sampled every tick from then on
    const down = of('b-lookup').filter((s) => s.t >= applied + 1000 + HEARTBEAT_MS && s.t < healStarted);
    const gaps = down.slice(1).map((s, i) => s.t - down[i]!.t);
    console.log(`      b-lookup: ${down.length} unreachable samples, staleness ${down[0]?.stalenessMs} → ${down.at(-1)?.stalenessMs} ms, gaps ≤ ${Math.max(...gaps)} ms`);
    expect(down.length, 'samples kept coming').to.be.at.least((healStarted - applied - 1000 - HEARTBEAT_MS) / HEARTBEAT_MS / 2);
    for (const s of down) {
      expect(s.unreachable, 'unreachable').to.equal(true);
      expect(s.error).to.be.a('string').and.not.equal('');
      // grows with the outage: at least the time since the hole opened (the request left then, at the latest)
      expect(s.stalenessMs!).to.be.within(s.t - applied, s.t - applied + TOLERANCE_MS + 1000);
    }
    for (let i = 1; i < down.length; i++) expect(down[i]!.stalenessMs!).to.be.at.least(down[i - 1]!.stalenessMs!);
    expect(of('b-lookup').at(-1)!.unreachable, 'answers again').to.equal(false);
    for (const s of of('b-db').filter((x) => x.t >= applied && x.t < healStarted)) expect(s.stalenessMs!, 'b-db unaffected').to.be.below(TOLERANCE_MS + 250);
  });

  it('says what a stack lacks and skips it: no read-only front door, a database without an admin link', async () => {
    const def = stack.definition;
    const lacking = parseStackDefinition({
      ...def,
      functions: Object.fromEntries(Object.entries(def.functions).filter(([fn]) => fn !== 'read-only-lookup')),
      links: def.links.filter((l) => l.name !== 'b-db-admin'),
      // b-db's ready check names its primary's admin link only; its runbooks need it, so they go too
      runbooks: {},
    });
    const ports = Object.fromEntries(Object.entries(stack.endpoints.links).filter(([l]) => l !== 'b-db-admin'));
    const partial = new StartedStack(stack.docker, stack.runId, lacking, ports, Number(new URL(stack.toxiproxyApi).port));
    const history = new History();
    const probe = await startStalenessProbe({ stack: partial, history });
    await sleep(600);
    await probe.stop();
    console.log(`      skipped: ${probe.skipped.join(' | ')}`);
    expect(probe.readers).to.deep.equal([]);
    expect(probe.skipped).to.deep.equal([
      'database b-db: no published admin link, so it cannot be read by SQL',
      'no read-only front door (no link serves read-only-lookup): Opslags-EPJ staleness is not measured',
    ]);
    expect(history.ofKind('staleness')).to.deep.equal([]);
    expect(history.ofKind('note').some((n) => n.message.includes('skipped: database b-db'))).to.equal(true);
  });

  it('under a replication delay the what-if curve’s level is writes/s × delay (± 20 %)', async () => {
    const DELAY_MS = 2000;
    const history = new History();
    const ctx: RunContext = { stack, history };
    const injector = await FaultInjector.start(ctx);
    const probe = await startStalenessProbe(ctx, { heartbeatIntervalMs: HEARTBEAT_MS, sampleIntervalMs: HEARTBEAT_MS });
    const stopLoad = new AbortController();
    const load = runLoad({ stack, history, patients, durationMs: 0, signal: stopLoad.signal, seed: 21, profile: WRITES });
    let lag: Fault;
    try {
      await sleep(2000);
      lag = await injector.inject({ kind: 'replication-lag', latencyMs: DELAY_MS });
      history.record({ kind: 'phase', name: 'lag', t: faultInstant(history, lag, 'applied') });
      await sleep(DELAY_MS + 7000);
      await lag.heal(ctx);
      history.record({ kind: 'phase', name: 'after', t: faultInstant(history, lag, 'healed') });
      await sleep(1000);
    } finally {
      stopLoad.abort();
      await injector.close();
      await load;
      await probe.stop();
    }
    // steady state: from one delay (plus a second) after the toxic went on, until it came off
    const from = faultInstant(history, lag, 'applied') + DELAY_MS + 1000;
    const to = faultInstant(history, lag, 'healed');
    const curve = whatIfFailover(history, { replication: replicationModeOf(stack.definition), from, to });
    const acked = curve.acknowledged;
    const rate = acked / ((to - from) / 1000);
    const levels = curve.perSecond.map((p) => p.wouldLose!);
    const level = median(levels);
    const expected = rate * (DELAY_MS / 1000);
    const b = history.ofKind('staleness').filter((s): s is StalenessEvent => s.reader === 'b-db' && s.t >= from && s.t < to);
    console.log(
      `      ${acked} writes acknowledged in ${to - from} ms = ${rate.toFixed(1)}/s; × ${DELAY_MS} ms = ${expected.toFixed(1)}; ` +
        `curve level (median) ${level} (${((level / expected - 1) * 100).toFixed(1)} %), per second ${levels.join(' ')}; ` +
        `b-db staleness median ${median(b.map((s) => s.stalenessMs!))} ms`,
    );
    const worst = whatIfFailover(history, { replication: 'async' });
    console.log(`      whole run: ${worst.verdict.summary}`);
    expect(curve.basis).to.equal('heartbeat');
    expect(curve.unknownSeconds).to.equal(0);
    expect(acked).to.be.above(100);
    expect(level).to.be.within(expected * 0.8, expected * 1.2);
    for (const p of curve.perSecond) expect(Object.values(p.byFunction).reduce((x, y) => x + y, 0)).to.equal(p.wouldLose);
    expect(worst.verdict.status).to.equal('fail');
    expect(worst.max!.wouldLose).to.be.at.least(level);
  });

  // last in this block: it leaves site B's database promoted
  it('heartbeats follow a failover: the promoted database is read as fresh, not as a replica left behind', async () => {
    const history = new History();
    const ctx: RunContext = { stack, history };
    const probe = await startStalenessProbe(ctx, { heartbeatIntervalMs: HEARTBEAT_MS, sampleIntervalMs: HEARTBEAT_MS });
    let promotedAt: number;
    try {
      await sleep(1000);
      await failover().run(ctx);
      const done = history.ofKind('action').find((a) => a.stage === 'completed')!;
      promotedAt = done.t;
      await sleep(3000);
    } finally {
      await probe.stop();
    }
    const replica = probe.readers.find((r) => r.via === 'sql')!.reader;
    const after = history.ofKind('staleness').filter((s): s is StalenessEvent => s.reader === replica && s.t > promotedAt + 1000);
    const notes = history.ofKind('note').map((n) => n.message);
    console.log(`      ${replica} after the promotion: staleness ${after.map((s) => s.stalenessMs).join(' ')} ms; ${notes.find((m) => /heartbeats now at/.test(m))}`);
    expect(notes.some((m) => m.includes(`sql heartbeats now at ${replica}`))).to.equal(true);
    expect(after.length).to.be.above(5);
    // written and read at the same database now: within the measurement's resolution, not growing with the time since
    for (const s of after) expect(s.stalenessMs, `${replica} at ${s.t - promotedAt} ms after the promotion`).to.be.at.most(TOLERANCE_MS);
  });
});

describe('the what-if failover curve on a remote_apply reference stack', function () {
  this.timeout(180_000);
  let stack: StartedStack;
  let patients: SeededPatient[];

  before(async () => {
    stack = await upStack(referenceStack({ replication: 'remote_apply' }));
    patients = await seedPatients(stack.functionUrl('admission'), { patients: 100 });
  });
  after(() => tearDown(stack));

  it('is exactly 0 by construction: every acknowledged write was applied, though heartbeats arrive late', async () => {
    const history = new History();
    const ctx: RunContext = { stack, history };
    const injector = await FaultInjector.start(ctx);
    const probe = await startStalenessProbe(ctx, { heartbeatIntervalMs: HEARTBEAT_MS, sampleIntervalMs: HEARTBEAT_MS });
    const stopLoad = new AbortController();
    const load = runLoad({ stack, history, patients, durationMs: 0, signal: stopLoad.signal, seed: 22, profile: WRITES });
    try {
      await sleep(1000);
      // each commit now waits ≥ 200 ms for the standby; heartbeats (committed locally) reach it ≥ 100 ms late
      await injector.inject({ kind: 'replication-lag', latencyMs: 100 });
      await sleep(5000);
    } finally {
      stopLoad.abort();
      await injector.close();
      await load;
      await probe.stop();
    }
    const mode = replicationModeOf(stack.definition);
    expect(mode).to.equal('remote_apply');
    const curve = whatIfFailover(history, { replication: mode });
    // the same history read as if asynchronous: heartbeats alone cannot prove what remote_apply guarantees
    const byHeartbeat = whatIfFailover(history, { replication: 'async' });
    console.log(`      ${curve.verdict.summary}`);
    console.log(`      read by heartbeats alone: max ${byHeartbeat.max?.wouldLose} (${byHeartbeat.verdict.summary})`);
    expect(curve.basis).to.equal('synchronous');
    expect(curve.acknowledged).to.be.above(100);
    expect(curve.perSecond.length).to.be.above(5);
    expect(curve.perSecond.every((p: WhatIfPoint) => p.wouldLose === 0)).to.equal(true);
    expect(curve.max!.wouldLose).to.equal(0);
    expect(curve.verdict.status).to.equal('pass');
    expect(byHeartbeat.basis).to.equal('heartbeat');
    expect(byHeartbeat.max!.wouldLose).to.be.above(0);
  });
});
