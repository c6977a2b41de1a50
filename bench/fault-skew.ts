/**
 * Benchmark: how close to its scheduled instant each fault takes effect (skew = applied − scheduled), and how long
 * each heal takes, over many timeline steps on the reference stack. Prints figures; asserts nothing.
 *   node dist/bench/fault-skew.js          BENCH_STEPS=60 node dist/bench/fault-skew.js
 */
import { FaultInjector } from '../harness/faults/injector.js';
import { Clock } from '../harness/history/clock.js';
import { History } from '../harness/history/history.js';
import { referenceStack } from '../harness/stack/reference-stack.js';
import { upStack } from '../harness/stack/up.js';
import { Timeline } from '../harness/timeline/timeline.js';

const steps = Number(process.env.BENCH_STEPS ?? 40);

const kinds: { label: string; spacingMs: number; spec: (i: number) => Record<string, unknown> }[] = [
  { label: 'toxic (latency on epj-front)', spacingMs: 100, spec: () => ({ kind: 'latency', target: { links: ['epj-front'] }, latencyMs: 50 }) },
  { label: 'link-down (lookup-front)', spacingMs: 100, spec: () => ({ kind: 'link-down', target: { links: ['lookup-front'] } }) },
  { label: 'container-pause (b-epj)', spacingMs: 300, spec: () => ({ kind: 'container-pause', target: { container: 'b-epj' } }) },
  { label: 'container-kill (b-lookup)', spacingMs: 3000, spec: () => ({ kind: 'container-kill', target: { container: 'b-lookup' } }) },
];

function pct(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)] ?? NaN;
}

const stack = await upStack(referenceStack());
try {
  console.log(`reference stack up (run ${stack.runId}); ${steps} inject/heal pairs per kind\n`);
  for (const k of kinds) {
    const n = k.label.startsWith('container-kill') ? Math.min(steps, 10) : steps;
    const history = new History(new Clock(1));
    const injector = new FaultInjector({ stack, history });
    // inject at i·spacing, heal half a spacing later: one fault active at a time
    const timeline = Timeline.plan(
      Array.from({ length: n }, (_, i) => [
        { at: 500 + i * k.spacingMs, inject: { name: `f${i}`, ...k.spec(i) } },
        { at: 500 + i * k.spacingMs + k.spacingMs / 2, heal: `f${i}` },
      ]).flat(),
    );
    try {
      await timeline.run(injector);
    } finally {
      await injector.close();
    }
    await stack.awaitHealthy(60_000);
    const applied = history.ofKind('fault').filter((e) => e.stage === 'applied' && e.skewMs !== undefined).map((e) => e.skewMs!);
    const healed = history.ofKind('fault').filter((e) => e.stage === 'healed' && e.skewMs !== undefined).map((e) => e.skewMs!);
    console.log(
      `${k.label.padEnd(30)} skew median ${pct(applied, 50).toFixed(0).padStart(4)} ms  p99 ${pct(applied, 99).toFixed(0).padStart(4)} ms  max ${Math.max(...applied).toFixed(0).padStart(4)} ms` +
        `   heal median ${pct(healed, 50).toFixed(0).padStart(4)} ms  p99 ${pct(healed, 99).toFixed(0).padStart(4)} ms  (n=${applied.length})` +
        // which step was the worst: the first (a cold connection) or any (the machine)
        `  worst: step ${applied.indexOf(Math.max(...applied)) + 1}`,
    );
  }
  console.log('\ntarget: p99 skew ≤ 20 ms');
} finally {
  await stack.down();
}
