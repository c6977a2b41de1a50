/**
 * Benchmark: outages of known length (the EPJ front door blackholed for 2, 4, 6 s) measured by the RTO checker.
 * Prints true (fault applied → healed) vs measured RTO and the error, for clinical-note and journal-lookup, under two
 * driver settings: the defaults (attempt timeout 2 s, 1-s buckets) and fine ones (400 ms, 250-ms buckets).
 * Target: |error| ≤ 250 ms. Prints figures; asserts nothing.
 *   node dist/bench/rto-error.js        BENCH_OUTAGES=2000,4000,6000 node dist/bench/rto-error.js
 */
import { rtoByFault } from '../harness/checkers/index.js';
import { FaultInjector } from '../harness/faults/injector.js';
import { History } from '../harness/history/history.js';
import type { ClinicalFunction } from '../harness/stack/definition.js';
import { referenceStack } from '../harness/stack/reference-stack.js';
import { upStack } from '../harness/stack/up.js';
import { sleep } from '../harness/stack/wait/poll.js';
import { Timeline } from '../harness/timeline/timeline.js';
import { defaultProfile, onlyFunctions, runLoad, seedPatients } from '../harness/workload/index.js';

const OUTAGES = (process.env.BENCH_OUTAGES ?? '2000,4000,6000').split(',').map(Number);
const SETTINGS = [
  { timeoutMs: 2000, bucketWidthMs: 1000 },
  { timeoutMs: 400, bucketWidthMs: 250 },
];
const FNS: ClinicalFunction[] = ['clinical-note', 'journal-lookup'];

const stack = await upStack(referenceStack());
try {
  const patients = await seedPatients(stack.functionUrl('admission'), { patients: 300 });
  console.log('RTO error: blackhole epj-front for a known time; load clinical-note 17/s, journal-lookup 45/s, read-only-lookup 10/s; hold 3 s');
  const errors: number[] = [];
  for (const s of SETTINGS) {
    for (const D of OUTAGES) {
      const history = new History();
      const injector = new FaultInjector({ stack, history });
      try {
        const timeline = Timeline.plan([
          { at: 2000, inject: { name: 'front', kind: 'blackhole', target: { links: ['epj-front'] } } },
          { at: 2000 + D, heal: 'front' },
        ]);
        const load = runLoad({
          stack,
          history,
          patients,
          durationMs: 2000 + D + 6000,
          profile: onlyFunctions(defaultProfile, ['clinical-note', 'journal-lookup', 'read-only-lookup']),
          timeoutMs: s.timeoutMs,
          bucketWidthMs: s.bucketWidthMs,
        });
        await sleep(Math.random() * 1000); // the outage at a random offset within a bucket
        await timeline.run(injector);
        await load;
      } finally {
        await injector.close();
      }
      const f = history.ofKind('fault');
      const trueMs = f.find((e) => e.stage === 'healed')!.t - f.find((e) => e.stage === 'applied')!.t;
      const cells = FNS.map((fn) => {
        const r = rtoByFault(history, { functions: [fn], holdMs: 3000 })[0]!;
        const err = r.rtoMs === null ? NaN : r.rtoMs - trueMs;
        errors.push(err);
        return `${fn} measured ${r.rtoMs ?? r.status} ms (error ${err >= 0 ? '+' : ''}${err} ms)`;
      });
      console.log(`  timeout ${s.timeoutMs} ms, buckets ${s.bucketWidthMs} ms, outage ${D} ms: true ${trueMs} ms; ${cells.join('; ')}`);
    }
  }
  const abs = errors.filter(Number.isFinite).map(Math.abs);
  console.log(`  |error| max ${Math.max(...abs)} ms, mean ${(abs.reduce((a, b) => a + b, 0) / abs.length).toFixed(0)} ms over ${abs.length} measurements`);
} finally {
  await stack.down();
}
