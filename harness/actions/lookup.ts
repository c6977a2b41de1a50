import { readOnlyFallback } from '../stack/topology.js';
import { pollUntil } from '../stack/wait/poll.js';
import { operatorAction, type OperatorAction } from './action.js';
import { findContainer, startContainer, stopContainer } from './support.js';

/**
 * Start / stop Opslags-EPJ (the read-only fallback at site B). In the incident it could not be started: here
 * starting it is proven by its /healthz answering 200 through the harness's admin link, stopping it by the
 * container being down and that link no longer getting any HTTP answer.
 */

export const START_LOOKUP = 'start-lookup';
export const STOP_LOOKUP = 'stop-lookup';

export function startLookup(): OperatorAction {
  return operatorAction(START_LOOKUP, async (ctx, proof) => {
    // the container behind the read-only-lookup front door, and its admin link (harness/stack/topology.ts)
    const { container: fallback, adminLink } = readOnlyFallback(ctx.stack.definition);
    const c = await findContainer(ctx.stack, fallback);
    await startContainer(ctx.stack, c);
    proof.observed(`${fallback} running`);
    const url = `${ctx.stack.linkUrl(adminLink)}/healthz`;
    await pollUntil(
      `${fallback} GET /healthz → 200`,
      async () => {
        const res = await fetch(url, { signal: AbortSignal.timeout(1000) });
        await res.body?.cancel();
        if (res.status !== 200) throw new Error(`/healthz answered ${res.status}`);
        return true;
      },
      { timeoutMs: 30_000, intervalMs: 100, signal: ctx.signal },
    );
    proof.observed(`${fallback} GET /healthz → 200`);
  });
}

export function stopLookup(): OperatorAction {
  return operatorAction(STOP_LOOKUP, async (ctx, proof) => {
    const { container: fallback, adminLink } = readOnlyFallback(ctx.stack.definition);
    const c = await findContainer(ctx.stack, fallback);
    await stopContainer(c, 10);
    proof.observed(`${fallback} stopped`);
    // Through Toxiproxy a dead upstream shows as a connection closed without an answer, not as ECONNREFUSED.
    const url = `${ctx.stack.linkUrl(adminLink)}/healthz`;
    await pollUntil(
      `${fallback} no longer answering`,
      async () => {
        try {
          const res = await fetch(url, { signal: AbortSignal.timeout(1000) });
          await res.body?.cancel();
          throw new Error(`/healthz still answers ${res.status}`);
        } catch (err) {
          if (err instanceof Error && err.message.startsWith('/healthz still')) throw err;
          return true;
        }
      },
      { timeoutMs: 10_000, intervalMs: 100, signal: ctx.signal },
    );
    proof.observed(`${fallback} /healthz gets no answer`);
  }, 'break'); // stopping it breaks lookups there: measured until they settle failing
}
