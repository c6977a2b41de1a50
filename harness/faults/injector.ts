import { onSignalExit } from '../lifecycle/exit-guard.js';
import type { RunContext } from '../run-context.js';
import { Fault, type EffectWindow } from './fault.js';
import { createFault, type FaultSpec } from './registry.js';

/**
 * Keeps every fault injected in a run so that all of them are healed — in reverse order, each once — on every
 * exit path: `healAll()` in a finally/after hook for normal ends and errors, the exit guard for SIGINT/SIGTERM.
 */
export class FaultInjector {
  private readonly faults: Fault[] = [];
  private readonly unregister: () => void;

  constructor(readonly ctx: RunContext) {
    this.unregister = onSignalExit(`heal faults of run ${ctx.stack.runId}`, () => this.healAll());
  }

  /** An injector for a run that starts from a clean Toxiproxy: every toxic removed, every proxy enabled. */
  static async start(ctx: RunContext): Promise<FaultInjector> {
    await ctx.stack.toxiproxy().reset();
    return new FaultInjector(ctx);
  }

  /** Prepares (resolves targets) and injects; the fault is tracked before it is applied, so a partial inject is healed too. */
  async inject(fault: Fault | FaultSpec, scheduledAt?: number, onFirstEffect?: (effect: EffectWindow) => void): Promise<Fault> {
    const f = fault instanceof Fault ? fault : createFault(fault);
    await f.prepare(this.ctx);
    this.faults.push(f);
    await f.inject(this.ctx, scheduledAt, onFirstEffect);
    return f;
  }

  /** Tracks a fault without injecting it yet (the timeline prepares everything before t = 0). */
  track(fault: Fault): void {
    if (!this.faults.includes(fault)) this.faults.push(fault);
  }

  active(): Fault[] {
    return this.faults.filter((f) => f.state === 'active');
  }

  /** Heals everything still active; errors are collected, so one failing heal does not stop the others. */
  async healAll(): Promise<void> {
    const errors: unknown[] = [];
    for (const f of [...this.faults].reverse()) {
      try {
        await f.heal(this.ctx);
      } catch (err) {
        errors.push(err);
      }
    }
    if (errors.length > 0) {
      const why = errors.map((e) => (e instanceof Error ? e.message : String(e))).join('; ');
      throw new AggregateError(errors, `${errors.length} fault(s) could not be healed: ${why}`);
    }
  }

  /**
   * Heals, checks Toxiproxy is back to clean (no toxic, every proxy enabled) — resetting it and saying so in the
   * history if a heal missed something — and stops listening for signals.
   */
  async close(): Promise<void> {
    try {
      await this.healAll();
      const leftovers = this.faults.length > 0 ? await toxiproxyLeftovers(this.ctx) : [];
      if (leftovers.length > 0) {
        await this.ctx.stack.toxiproxy().reset();
        this.ctx.history.record({ kind: 'note', message: `Toxiproxy was not clean after healing (${leftovers.join(', ')}): reset` });
      }
    } finally {
      this.unregister();
    }
  }
}

async function toxiproxyLeftovers(ctx: RunContext): Promise<string[]> {
  const res = await fetch(`${ctx.stack.toxiproxyApi}/proxies`, { signal: AbortSignal.timeout(5000) });
  if (!res.ok) throw new Error(`Toxiproxy: GET /proxies answered ${res.status}`);
  const proxies = (await res.json()) as Record<string, { enabled: boolean; toxics: { name: string }[] }>;
  return Object.entries(proxies).flatMap(([name, p]) => [...(p.enabled ? [] : [`${name} disabled`]), ...p.toxics.map((t) => `${t.name} on ${name}`)]);
}
