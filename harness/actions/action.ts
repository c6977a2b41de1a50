import type { WorkKind } from '../history/clock.js';
import { describeError } from '../errors.js';
import type { ActionEffect } from '../history/events.js';
import type { RunContext } from '../run-context.js';

/**
 * An operator action (failover, failback, start/stop Opslags-EPJ): what a person on call would do, done by the
 * harness. It writes to the history only (started → completed | failed), and `completed` is recorded only after
 * the action has checked its effect — the detail says what was done and when each effect was observed.
 */
export interface OperatorAction {
  name: string;
  /**
   * what it does to the stack, for the scenario clock (harness/history/clock.ts): `act` (default: a failover, a
   * start) or `break` (a stop: measured until the failing settles)
   */
  kind?: WorkKind;
  /** the stack definition's runbook it performs (harness/runbooks/run-runbook.ts): the stack must have it */
  runbook?: string;
  /** the kind, when it depends on the stack (a runbook's own, harness/runbooks/run-runbook.ts); wins over `kind` */
  kindIn?(ctx: RunContext): WorkKind;
  run(ctx: RunContext): Promise<void>;
}

/** An effect as a step states it; the proof stamps when it was seen. */
export type NewEffect = ActionEffect extends infer E ? (E extends ActionEffect ? Omit<E, 'at' | 'notBefore'> : never) : never;

/** Collects the observed effects of an action, each stamped with the instant it was seen. */
export class Proof {
  private readonly lines: string[] = [];
  /** the changes checkers reason about (a promotion, a repoint), structured */
  readonly effects: ActionEffect[] = [];
  private lastObservedAt: number;

  constructor(startedAt = Date.now()) {
    this.lastObservedAt = startedAt;
  }

  /** `what` was observed now; `effect` says it structured, when a checker needs it. Returns the instant (epoch ms). */
  observed(what: string, effect?: NewEffect): number {
    const t = Date.now();
    this.lines.push(`${what} at ${new Date(t).toISOString()}`);
    if (effect) this.effects.push({ ...effect, at: t, notBefore: this.lastObservedAt } as ActionEffect);
    this.lastObservedAt = t;
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
  const proof = new Proof(started);
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
      ...(proof.effects.length > 0 ? { effects: proof.effects } : {}),
    });
    throw err;
  }
  proof.note(`took ${Date.now() - started} ms`);
  ctx.history.record({ kind: 'action', id, action: name, stage: 'completed', detail: proof.toString(), ...(proof.effects.length > 0 ? { effects: proof.effects } : {}) });
}

/** Builds an OperatorAction whose run is recorded by recordAction. */
export function operatorAction(name: string, body: (ctx: RunContext, proof: Proof) => Promise<void>, kind: WorkKind = 'act'): OperatorAction {
  return { name, kind, run: (ctx) => recordAction(ctx, name, (proof) => body(ctx, proof)) };
}
