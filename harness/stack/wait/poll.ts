import { AbortedError, HarnessError } from '../../errors.js';

/**
 * Polls `probe` until it returns true, the deadline passes (HarnessError naming `what` and the last failure),
 * or `signal` aborts. `alive` is checked now and then so a crashed container fails fast instead of timing out.
 */
export async function pollUntil(
  what: string,
  probe: () => Promise<boolean>,
  o: { timeoutMs: number; intervalMs?: number; signal?: AbortSignal; alive?: () => Promise<void> },
): Promise<number> {
  const started = Date.now();
  const interval = o.intervalMs ?? 50;
  let lastError = 'not ready yet';
  let nextAliveCheck = started + 1000;
  for (;;) {
    if (o.signal?.aborted) throw new AbortedError(`waiting for ${what}`);
    try {
      if (await probe()) return Date.now() - started;
    } catch (err) {
      lastError = err instanceof Error ? err.message : String(err);
    }
    if (o.alive && Date.now() >= nextAliveCheck) {
      await o.alive();
      nextAliveCheck = Date.now() + 1000;
    }
    if (Date.now() - started > o.timeoutMs) {
      throw new HarnessError(`${what} not ready after ${o.timeoutMs} ms (last: ${lastError})`, 'not-ready');
    }
    await sleep(interval, o.signal);
  }
}

export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const t = setTimeout(done, ms);
    signal?.addEventListener('abort', done, { once: true });
    function done() {
      clearTimeout(t);
      signal?.removeEventListener('abort', done);
      resolve();
    }
  });
}
