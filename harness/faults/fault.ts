import type { FaultEvent } from '../history/events.js';
import type { RunContext } from '../run-context.js';
import type { WorkKind } from '../history/clock.js';

export type FaultState = 'new' | 'active' | 'healed' | 'failed';

/**
 * Where an effect took hold: not before `from` (when the harness asked for it), certainly by `certainFrom` (when it
 * was proven). Attempts that started in between may or may not have been hit (harness/timeline/timeline.ts).
 */
export interface EffectWindow {
  from: number;
  certainFrom: number;
  /**
   * the first effect cannot fail a request (site power's mains failure while the UPS holds): the phase it opens is
   * no onset (harness/workload/buckets.ts)
   */
  harmless?: true;
}

let sequence = 0;

/**
 * A fault is `inject → (effect observed) → heal`. Subclasses say how to apply, how to prove, how to undo; this
 * class writes the history (applied with its skew, observed with the proof, healed) and makes heal idempotent
 * and safe after a partial inject — heal always runs `undo`, which must tolerate half-applied state.
 */
export abstract class Fault {
  abstract readonly kind: string;
  /** unique in the process, e.g. `container-kill#3` */
  readonly id: string;
  state: FaultState = 'new';
  appliedAt?: number;
  /** from when the effect was certainly in place (Toxiproxy's answer, the engine's record of a death) */
  heldFrom?: number;
  /** when the heal was asked for, and when it was done: between them the fault may or may not still bite */
  healAskedAt?: number;
  healedAt?: number;
  /** the first instant the fault can have had any effect (site power: the mains failure, long before the UPS drains) */
  firstEffectAt?: number;
  private onFirstEffect?: (effect: EffectWindow) => void;
  private resolveApplied!: (effect: EffectWindow | undefined) => void;
  /** where the effect took hold once it did; undefined if the inject failed first */
  readonly whenApplied: Promise<EffectWindow | undefined> = new Promise((resolve) => (this.resolveApplied = resolve));
  /** set by apply when the effect was planned for a later instant than the step (a UPS draining): skew is measured against it */
  protected plannedApplyAt?: number;
  /** true for a fault whose `apply` waits in scenario time and marks its measured work itself (harness/history/clock.ts) */
  protected readonly marksOwnWork: boolean = false;
  /**
   * What applying it does to the stack, for the scenario clock (harness/history/clock.ts): `break` (default: the
   * stack settles into the fault), or `restore` for a fault that ends in a start (a restart): what follows it is
   * the stack coming back, measured until it has — a back-off that answers 503 for seconds is recovery, not the
   * fault's steady state.
   */
  protected readonly applyWork: WorkKind = 'break';
  /** set by apply when the effect took hold before apply's own bookkeeping finished (e.g. kills done, network next) */
  protected effectAt?: number;
  /** set by apply when the effect is certain only later than apply's answer says (a kill: when the engine recorded the death) */
  protected certainAt?: number;
  private healing?: Promise<void>;

  constructor(kind: string) {
    this.id = `${kind}#${++sequence}`;
  }

  /** What the fault hits, in words for the history and reports (`site a: a-db, a-epj`). */
  abstract describeTarget(): string;

  /** Resolve targets ahead of time (container ids, proxies), so that applying at the scheduled instant is quick. */
  async prepare(_ctx: RunContext): Promise<void> {}

  /** Called in `inject` right before `apply`, outside its timing: make sure what prepare resolved still holds. */
  protected async beforeApply(_ctx: RunContext): Promise<void> {}

  /** Apply the effect; return what was done. The instant this returns is the fault's applied instant. */
  protected abstract apply(ctx: RunContext): Promise<string>;

  /** Prove the effect happened (container state, toxic present, connection refused); return the proof. */
  protected abstract observe(ctx: RunContext): Promise<string>;

  /** Undo the effect. Idempotent, and correct after a partial `apply`. */
  protected abstract undo(ctx: RunContext): Promise<void>;

  /**
   * `onFirstEffect` is told the instant the fault first took effect — the start of the phase it opens
   * (harness/timeline/timeline.ts) — as soon as it is known, which for a fault with a scripted delay is long
   * before inject returns.
   */
  async inject(ctx: RunContext, scheduledAt?: number, onFirstEffect?: (effect: EffectWindow) => void): Promise<void> {
    if (this.state !== 'new') throw new Error(`${this.id} was already injected`);
    this.state = 'active'; // from here on heal must undo, even if apply throws half way
    this.onFirstEffect = onFirstEffect;
    try {
      await this.beforeApply(ctx);
    } catch (err) {
      this.state = 'new'; // nothing was touched: there is nothing to heal
      this.resolveApplied(undefined);
      this.record(ctx, 'failed', { detail: err instanceof Error ? err.message : String(err) });
      throw err;
    }
    // The effect takes hold somewhere between asking (a toxic's POST, a kill) and the proof of it (Toxiproxy's
    // answer, the engine's record of a death): an attempt that started in between may or may not have been hit.
    const askedAt = Date.now();
    try {
      // applying is the stack's work, at 1:1 on the scenario clock; a fault with scripted waits inside its apply
      // (site power's UPS draining) marks its own work instead
      const detail = this.marksOwnWork ? await this.apply(ctx) : await ctx.history.clock.measure(() => this.apply(ctx), this.applyWork);
      this.appliedAt = this.effectAt ?? Date.now();
      // a fault that says when it acted (a kill, a UPS drained long after the inject began) took hold from then
      const applied = { from: this.effectAt ?? Math.min(askedAt, this.appliedAt), certainFrom: Math.max(this.appliedAt, this.certainAt ?? this.appliedAt) };
      this.heldFrom = applied.certainFrom;
      this.markFirstEffect(applied.from, applied.certainFrom);
      const planned = this.plannedApplyAt ?? scheduledAt;
      this.record(ctx, 'applied', { t: this.appliedAt, detail, ...(planned !== undefined ? { skewMs: this.appliedAt - planned } : {}) });
      this.resolveApplied(applied);
      this.record(ctx, 'observed', { detail: await this.observe(ctx) });
    } catch (err) {
      this.resolveApplied(undefined);
      this.record(ctx, 'failed', { detail: err instanceof Error ? err.message : String(err) });
      throw err;
    }
  }

  /**
   * A fault whose effect starts before it is fully applied (site power: mains fail, the UPS drains later) calls
   * this at that first effect; every other fault's first effect is its applied instant.
   */
  protected markFirstEffect(from: number, certainFrom = from, harmless = false): void {
    if (this.firstEffectAt !== undefined) return;
    this.firstEffectAt = from;
    this.onFirstEffect?.({ from, certainFrom, ...(harmless ? { harmless: true as const } : {}) });
  }

  /** Heals; calling it again (or before inject) is a no-op. `scheduledAt` (wall ms) lets the history keep the heal's skew. */
  heal(ctx: RunContext, scheduledAt?: number): Promise<void> {
    if (this.state === 'new') return Promise.resolve();
    this.healing ??= (async () => {
      this.healAskedAt = Date.now();
      await ctx.history.clock.measure(() => this.undo(ctx));
      this.state = 'healed';
      const t = Date.now();
      this.healedAt = t;
      this.record(ctx, 'healed', { t, ...(scheduledAt !== undefined ? { skewMs: t - scheduledAt } : {}) });
    })();
    return this.healing;
  }

  protected record(ctx: RunContext, stage: FaultEvent['stage'], extra: Partial<FaultEvent>): void {
    ctx.history.record({ kind: 'fault', id: this.id, fault: this.kind, stage, target: this.describeTarget(), ...extra });
  }
}
