import type { Clock } from '../history/clock.js';
import { sleep } from '../stack/wait/poll.js';

/** Waits until scenario instant `scenarioMs` (wall time = start + scenarioMs / scale). False when aborted. */
export async function untilScenario(clock: Clock, scenarioMs: number, signal?: AbortSignal): Promise<boolean> {
  const wait = clock.toWall(scenarioMs) - Date.now();
  if (wait > 0) await sleep(wait, signal);
  return !signal?.aborted;
}
