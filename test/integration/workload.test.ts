import { expect } from 'chai';
import { execFile } from 'node:child_process';
import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { HarnessError, InvalidInputError } from '../../harness/errors.js';
import { FhirClient } from '../../harness/fhir/client.js';
import { CPR_SYSTEM, isSyntheticCpr } from '../../harness/fhir/synthetic-cpr.js';
import { History } from '../../harness/history/history.js';
import { CLINICAL_FUNCTIONS } from '../../harness/stack/definition.js';
import { referenceStack } from '../../harness/stack/reference-stack.js';
import type { StartedStack } from '../../harness/stack/started-stack.js';
import { upStack } from '../../harness/stack/up.js';
import { pollUntil } from '../../harness/stack/wait/poll.js';
import { EPJ_LOAD_BIN } from '../../harness/workload/build-epj-load.js';
import { DEFAULT_ATTEMPT_TIMEOUT_MS, runLoad } from '../../harness/workload/driver.js';
import { defaultProfile, onlyFunctions } from '../../harness/workload/profile.js';
import { readBack } from '../../harness/workload/readback.js';
import { seedPatients, type SeededPatient } from '../../harness/workload/seed.js';
import { availabilityByPhase } from '../../harness/checkers/availability.js';
import { steadyStateVerdict } from '../../harness/checkers/steady-state.js';
import { FaultInjector } from '../../harness/faults/injector.js';
import type { Fault } from '../../harness/faults/fault.js';
import type { FaultSpec } from '../../harness/faults/registry.js';
import { sleep } from '../../harness/stack/wait/poll.js';
import { NOTHING, runObjects } from '../support/docker-objects.js';

const exec = promisify(execFile);

/** pids of epj-load processes (the real binary) — none may outlive a run */
async function epjLoadPids(): Promise<string[]> {
  try {
    const { stdout } = await exec('pgrep', ['-f', EPJ_LOAD_BIN]);
    return stdout.split('\n').filter(Boolean);
  } catch {
    return []; // pgrep exits 1 when nothing matches
  }
}

describe('clinical workload against the reference stack', function () {
  this.timeout(240_000);
  let stack: StartedStack;
  let patients: SeededPatient[];
  let scratch: string;

  before(async function () {
    if (!(await import('node:fs')).existsSync(EPJ_LOAD_BIN)) {
      throw new HarnessError(`${EPJ_LOAD_BIN} is missing`, 'missing-tool', 'run `node dist/harness/cli/main.js images build`');
    }
    scratch = await mkdtemp(path.join(tmpdir(), 'epj-load-it-'));
    stack = await upStack(referenceStack());
  });

  after(async () => {
    if (scratch) await rm(scratch, { recursive: true, force: true });
    if (!stack) return;
    await stack.down();
    expect(await runObjects(stack.runId)).to.deep.equal(NOTHING);
  });

  it('seeds 2000 synthetic patients in seconds, with real bundles to read at both sites', async () => {
    const started = Date.now();
    patients = await seedPatients(stack.functionUrl('admission'), { patients: 2000, admittedFraction: 0.3 });
    const ms = Date.now() - started;
    console.log(`      seeded ${patients.length} patients in ${ms} ms`);
    expect(ms).to.be.below(30_000);
    expect(patients).to.have.length(2000);
    expect(new Set(patients.map((p) => p.cpr)).size).to.equal(2000);
    expect(patients.every((p) => isSyntheticCpr(p.cpr))).to.equal(true);
    expect(patients.filter((p) => p.encounterId)).to.have.length(600);

    const siteA = new FhirClient(stack.functionUrl('journal-lookup'));
    const admitted = patients.find((p) => p.encounterId)!;
    const [patient] = await siteA.search('Patient', { identifier: `${CPR_SYSTEM}|${admitted.cpr}` });
    expect(patient?.id).to.equal(admitted.patientId);
    const encounters = await siteA.search('Encounter', { patient: admitted.patientId });
    expect(encounters.map((e) => e.status)).to.have.members(['finished', 'in-progress']);
    expect(encounters.find((e) => e.status === 'in-progress')!.id).to.equal(admitted.encounterId);
    expect(await siteA.search('DocumentReference', { patient: admitted.patientId })).to.have.length(2);
    expect(await siteA.search('MedicationRequest', { patient: admitted.patientId, status: 'active' })).to.have.length(1);

    // Opslags-EPJ reads the replica: wait until the last seeded patient has arrived there
    const lookupB = new FhirClient(stack.functionUrl('read-only-lookup'));
    const last = patients.at(-1)!;
    await pollUntil('seeded patients at Opslags-EPJ', async () => (await lookupB.search('Patient', { identifier: `${CPR_SYSTEM}|${last.cpr}` })).length === 1, {
      timeoutMs: 30_000,
      intervalMs: 100,
    });
  });

  it('keeps every function ≥ 99 % in a steady run of the default profile (the steady-state hypothesis passes), and every acknowledged write is at site A', async () => {
    expect(patients, 'seeding ran').to.have.length.above(0);
    const history = new History();
    const durationMs = 10_000;
    const res = await runLoad({ stack, history, patients, durationMs, seed: 7 });
    expect(res.aborted).to.equal(false);

    const buckets = history.ofKind('requests');
    for (const fn of CLINICAL_FUNCTIONS) {
      const mine = buckets.filter((b) => b.fn === fn);
      const attempts = mine.reduce((s, b) => s + b.attempts, 0);
      const ok = mine.reduce((s, b) => s + b.successes, 0);
      const p99 = Math.max(...mine.map((b) => b.latencyMs.p99));
      const p50 = mine.map((b) => b.latencyMs.p50).sort((a, b) => a - b)[mine.length >> 1];
      console.log(`      ${fn.padEnd(17)} ${(attempts / (durationMs / 1000)).toFixed(1).padStart(6)}/s  ${((100 * ok) / attempts).toFixed(2)} %  p50 ${p50} ms  worst-bucket p99 ${p99} ms`);
      expect(attempts, `${fn} attempts`).to.be.within(defaultProfile[fn] * 9, defaultProfile[fn] * 10 + 2);
      expect(ok / attempts, `${fn} availability`).to.be.at.least(0.99);
      expect(res.summary.functions[fn]?.attempts).to.equal(attempts);
    }

    // the experiments' gate judges the same way (harness/experiment/run.ts)
    const verdict = steadyStateVerdict(history, { functions: [...CLINICAL_FUNCTIONS] });
    expect(verdict.status, verdict.summary).to.equal('pass');

    const writes = history.ofKind('write');
    expect(writes.length).to.equal(res.writes);
    const acknowledged = writes.filter((w) => w.outcome === 'acknowledged');
    expect(acknowledged.length / writes.length).to.be.at.least(0.99);
    expect(new Set(writes.map((w) => w.writeId)).size).to.equal(writes.length);
    expect(new Set(writes.map((w) => w.fn))).to.have.all.keys('clinical-note', 'admission', 'discharge', 'referral', 'e-prescription');
    expect(writes.find((w) => w.fn === 'discharge' && w.outcome === 'acknowledged')).to.include({ resourceType: 'Encounter' });

    const byType: Record<string, string[]> = {};
    for (const w of acknowledged) (byType[w.resourceType] ??= []).push(w.writeId);
    const found = await readBack(stack.functionUrl('admission'), byType);
    expect(new Set(found.map((f) => f.writeId))).to.deep.equal(new Set(acknowledged.map((w) => w.writeId)));
    const idOf = new Map(acknowledged.map((w) => [w.writeId, w.resourceId]));
    for (const f of found) expect(f.resourceId, f.writeId).to.equal(idOf.get(f.writeId));
    // an id nobody wrote is not found
    expect(await readBack(stack.functionUrl('admission'), { Encounter: ['00000000-0000-4000-8000-000000000000'] })).to.deep.equal([]);
    expect(await epjLoadPids()).to.deep.equal([]);
  });

  /**
   * The open model's promise: clinicians keep arriving while the EPJ stalls. Every arrival whose slot falls in the
   * stall is an attempt there (rate × L ± 1 per function), and all of them fail — none lost, none sent late in a
   * burst — but for those that started while the fault was still taking hold or already being healed.
   * `deadBy` says when the fault had certainly taken hold (a toxic: when Toxiproxy answered; a kill: when the
   * engine recorded the death, which lags the kill by some ms).
   */
  async function stall(fault: FaultSpec, stallMs: number, functions: readonly (typeof CLINICAL_FUNCTIONS)[number][], deadBy: (f: Fault) => Promise<number>) {
    const history = new History();
    const ctx = { stack, history };
    const injector = await FaultInjector.start(ctx);
    const stop = new AbortController();
    const load = runLoad({ stack, history, patients, durationMs: 0, signal: stop.signal, seed: 11 });
    let from = 0;
    let dead = 0;
    let to = 0;
    try {
      await sleep(2000);
      const f = await injector.inject(fault);
      from = f.firstEffectAt!;
      dead = Math.max(from, await deadBy(f));
      history.record({ kind: 'phase', name: 'taking hold', t: from });
      history.record({ kind: 'phase', name: 'stalled', t: dead });
      await sleep(stallMs - (Date.now() - from));
      const healAsked = Date.now();
      // An attempt that started within one attempt timeout before the heal may still be waiting when it comes
      // (Toxiproxy dialling the dead upstream) and be answered by it: those get a phase of their own, recorded
      // before healing so the driver can still cut the bucket that holds its edge.
      history.record({ kind: 'phase', name: 'pending at the heal', t: Math.max(dead, healAsked - DEFAULT_ATTEMPT_TIMEOUT_MS) });
      await f.heal(ctx);
      to = f.healedAt!;
      history.record({ kind: 'phase', name: 'healing', t: healAsked });
      history.record({ kind: 'phase', name: 'after', t: to });
      await sleep(3000);
    } finally {
      stop.abort();
      await load;
      await injector.close();
    }
    const phases = availabilityByPhase(history, { functions: [...functions] }).phases;
    const within = (name: string) => phases.filter((p) => p.name === name).flatMap((p) => p.functions);
    const stallBuckets = history.ofKind('requests').filter((b) => b.bucket >= from && b.bucket < to);
    for (const fn of functions) {
      const expected = (defaultProfile[fn] * (to - from)) / 1000;
      const parts = ['taking hold', 'stalled', 'pending at the heal', 'healing'].flatMap(within).filter((a) => a.fn === fn);
      const attempts = parts.reduce((n, a) => n + a.attempts, 0);
      const successes = parts.reduce((n, a) => n + a.successes, 0);
      // an arrival epj-load was itself too late to send (a starved CPU) is a skip: not an attempt, but not lost
      const skipped = stallBuckets.filter((b) => b.fn === fn).reduce((n, b) => n + (b.skipped ?? 0), 0);
      const stalled = within('stalled').find((a) => a.fn === fn);
      console.log(`      ${fn.padEnd(17)} ${attempts} attempts + ${skipped} skipped in ${to - from} ms (expected ${expected.toFixed(1)}), ${successes} ok (${stalled?.successes ?? 0} while stalled)`);
      expect(attempts + skipped, `${fn}: arrivals in the stall`).to.be.within(Math.floor(expected) - 1, Math.ceil(expected) + 1);
      expect(stalled?.successes ?? 0, `${fn}: successes while certainly stalled`).to.equal(0);
    }
  }

  it('keeps every arrival through a 5-s blackhole of both front doors: rate × 5 s ± 1 attempts per function, all failed', async () => {
    // Toxiproxy answers once the toxic is in place
    await stall({ kind: 'blackhole', target: { kind: 'front-door' } }, 5000, CLINICAL_FUNCTIONS, async (f) => f.appliedAt!);
  });

  it('keeps every arrival while site A\'s EPJ is dead behind its front door (a slow failure: Toxiproxy dials a dead upstream)', async () => {
    const functions = ['journal-lookup', 'clinical-note', 'admission', 'discharge', 'referral', 'e-prescription'] as const;
    // dead for certain once the engine recorded the death
    const died = async () => {
      const epj = (await stack.containers()).find((c) => c.site === 'a' && c.role === 'epj')!;
      return Date.parse((await stack.docker.getContainer(epj.id).inspect()).State.FinishedAt);
    };
    await stall({ kind: 'container-kill', target: { site: 'a', role: 'epj' } }, 5000, functions, died);
    await stack.awaitHealthy(30_000);
  });

  it('names the fix when the epj-load binary is missing', async () => {
    const err = await runLoad({
      stack,
      history: new History(),
      patients,
      durationMs: 1000,
      binary: path.join(scratch, 'no-such-dir', 'epj-load'),
    }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).to.be.instanceOf(HarnessError);
    expect((err as HarnessError).message).to.contain('no-such-dir/epj-load is missing');
    expect((err as HarnessError).hint).to.contain('npm run setup');
  });

  it('reports a config epj-load refuses (exit 2, its message) and leaves no process', async () => {
    const err = await runLoad({
      stack,
      history: new History(),
      patients: [{ patientId: 'x1', cpr: '0101701234' }], // looks like a real person's CPR: refused
      profile: onlyFunctions(defaultProfile, ['journal-lookup']),
      durationMs: 1000,
    }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).to.be.instanceOf(InvalidInputError);
    expect((err as Error).message).to.match(/refused its config/).and.match(/not a synthetic CPR number/);
    expect(await epjLoadPids()).to.deep.equal([]);
  });

  it('refuses non-loopback targets itself (exit 2), whoever calls it', async () => {
    const config = { targets: { 'journal-lookup': 'http://192.0.2.1:8080' }, rates: { 'journal-lookup': 1 }, durationMs: 1000, patients: [{ patientId: 'p', cpr: '0100701234' }] };
    const file = path.join(scratch, 'remote.json');
    await writeFile(file, JSON.stringify(config));
    const err = await exec(EPJ_LOAD_BIN, ['-config', file]).then(
      () => undefined,
      (e: { code: number; stderr: string }) => e,
    );
    expect(err?.code).to.equal(2);
    expect(err?.stderr).to.match(/host "192\.0\.2\.1" is not loopback/);
  });

  it('reports epj-load dying early, with its exit, and leaves no process', async () => {
    // a wrapper that lets the real epj-load attack for 1 s, then SIGKILLs it
    const wrapper = path.join(scratch, 'dies-early');
    await writeFile(wrapper, `#!/bin/sh\nexec /usr/bin/timeout -s KILL 1 ${EPJ_LOAD_BIN} "$@"\n`);
    await chmod(wrapper, 0o755);
    const history = new History();
    const err = await runLoad({ stack, history, patients, durationMs: 10_000, binary: wrapper }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).to.be.instanceOf(HarnessError);
    expect((err as Error).message).to.match(/epj-load exited with (137|signal SIGKILL) after \d+ attempts/);
    expect(await epjLoadPids()).to.deep.equal([]);
    // what it did before dying is in the history
    expect(history.ofKind('requests').length).to.be.above(0);
  });

  it('stops on abort: SIGTERM, flush, summary marked interrupted, nothing left running', async () => {
    const ac = new AbortController();
    const history = new History();
    const started = Date.now();
    setTimeout(() => ac.abort(), 1500);
    const res = await runLoad({ stack, history, patients, durationMs: 60_000, signal: ac.signal });
    expect(Date.now() - started).to.be.below(6000);
    expect(res.aborted).to.equal(true);
    expect(res.summary.interrupted).to.equal(true);
    expect(history.ofKind('requests').reduce((s, b) => s + b.attempts, 0)).to.equal(res.attempts);
    expect(await epjLoadPids()).to.deep.equal([]);
  });
});
