/**
 * Soak of the immediate reaper (docs/reaper.md): a run under load (test/support/sigkill-target.ts: up, seed, load,
 * WAN cut, failover) is killed with SIGKILL at random instants, and each time the script waits until nothing of
 * the run is left — containers, networks, volumes, the reaper, epj-load. Prints each removal time and a summary
 * against the goal of 15 s; asserts nothing.
 *   npm run build && node dist/bench/reaper-soak.js        SOAK_KILLS=10 (default) SOAK_SPAN_MS=18000 (default)
 */
import { randomInt } from 'node:crypto';
import { SigkillTarget, type Removal } from '../test/support/sigkill-target.js';

const kills = Number(process.env.SOAK_KILLS ?? 10);
/** instants are drawn from [0, span) after the target names its run: up, seed, load, fault and failover fit in it */
const spanMs = Number(process.env.SOAK_SPAN_MS ?? 18_000);
const GOAL_MS = 15_000;

const removals: (Removal & { instantMs: number })[] = [];
const s = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
console.log(`reaper soak: ${kills} SIGKILLs at random instants within ${s(spanMs)} of a run's start`);
for (let i = 1; i <= kills; i++) {
  const instantMs = randomInt(spanMs);
  const target = new SigkillTarget();
  try {
    await target.reached('run', 30_000);
    await new Promise((r) => setTimeout(r, instantMs));
    const removal = await target.killAndMeasure(120_000);
    removals.push({ ...removal, instantMs });
    console.log(
      `  #${String(i).padEnd(2)} killed ${s(instantMs).padStart(6)} in, at '${removal.stage}': run ${removal.run} gone ${s(removal.removalMs)} after SIGKILL` +
        (removal.loadProcesses ? ` (its epj-load exited after ${s(removal.loadExitMs)})` : ''),
    );
  } catch (err) {
    console.log(`  #${String(i).padEnd(2)} killed ${s(instantMs)} in: ${err instanceof Error ? err.message : String(err)}`);
    if (target.child.exitCode === null && target.child.signalCode === null) target.child.kill('SIGKILL');
  }
}

const times = removals.map((r) => r.removalMs).sort((a, b) => a - b);
if (times.length > 0) {
  const median = times.length % 2 ? times[(times.length - 1) / 2]! : (times[times.length / 2 - 1]! + times[times.length / 2]!) / 2;
  console.log(
    `\n  removal after SIGKILL: median ${s(median)}   max ${s(times[times.length - 1]!)}   min ${s(times[0]!)}   ` +
      `${times.filter((t) => t <= GOAL_MS).length}/${times.length} within the goal of ${s(GOAL_MS)}   (n=${times.length} of ${kills})`,
  );
}
