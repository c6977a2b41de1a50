import type { Clock } from '../history/clock.js';
import { sleep } from '../stack/wait/poll.js';

/**
 * Waits until scenario instant `scenarioMs`. Its wall instant moves while measured work slows the scenario clock to
 * 1:1 (harness/history/clock.ts), so the wait is recomputed at every change of pace. False when aborted.
 */
export async function untilScenario(clock: Clock, scenarioMs: number, signal?: AbortSignal): Promise<boolean> {
  for (;;) {
    if (signal?.aborted) return false;
    const wait = clock.toWall(scenarioMs) - Date.now();
    if (wait <= 0) return true;
    const paceChanged = new AbortController();
    const changed = clock.changed().then(() => paceChanged.abort());
    await sleep(wait, signal ? AbortSignal.any([signal, paceChanged.signal]) : paceChanged.signal);
    void changed;
  }
}
