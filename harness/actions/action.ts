import { describeError } from '../errors.js';
import type { RunContext } from '../run-context.js';

/**
 * An operator action (failover, failback, start/stop Opslags-EPJ): what a person on call would do, done by the
 * harness. It writes to the history only (started → completed | failed), and `completed` is recorded only after
 * the action has checked its effect — the detail says what was done and when each effect was observed.
 */
export interface OperatorAction {
  name: string;
  run(ctx: RunContext): Promise<void>;
}

/** Collects the observed effects of an action, each stamped with the instant it was seen. */
export class Proof {
  private readonly lines: string[] = [];

  /** `what` was observed now. Returns the instant (epoch ms). */
  observed(what: string): number {
    const t = Date.now();
    this.lines.push(`${what} at ${new Date(t).toISOString()}`);
    return t;
  }

  /** A fact without an instant of its own (e.g. a measurement taken before acting). */
  note(what: string): void {
    this.lines.push(what);
  }

  toString(): string {
    return this.lines.join('; ');
  }
}

/**
 * Runs `body` as action `name`, recording `started`, then `completed` with the proof as detail, or `failed` with
 * the reason (and rethrows: a failed action is not something the run may silently carry on past).
 */
export async function recordAction(ctx: RunContext, name: string, body: (proof: Proof) => Promise<void>): Promise<void> {
  const n = ctx.history.ofKind('action').filter((e) => e.action === name && e.stage === 'started').length + 1;
  const id = `${name}#${n}`;
  const started = ctx.history.record({ kind: 'action', id, action: name, stage: 'started' }).t;
  const proof = new Proof();
  try {
    await body(proof);
  } catch (err) {
    const done = proof.toString();
    ctx.history.record({
      kind: 'action',
      id,
      action: name,
      stage: 'failed',
      detail: `${describeError(err)} (after ${Date.now() - started} ms${done ? `; done before failing: ${done}` : ''})`,
    });
    throw err;
  }
  proof.note(`took ${Date.now() - started} ms`);
  ctx.history.record({ kind: 'action', id, action: name, stage: 'completed', detail: proof.toString() });
}

/** Builds an OperatorAction whose run is recorded by recordAction. */
export function operatorAction(name: string, body: (ctx: RunContext, proof: Proof) => Promise<void>): OperatorAction {
  return { name, run: (ctx) => recordAction(ctx, name, (proof) => body(ctx, proof)) };
}
