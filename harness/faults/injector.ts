import { onSignalExit } from '../lifecycle/exit-guard.js';
import type { RunContext } from '../run-context.js';
import { Fault } from './fault.js';
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

  /** Prepares (resolves targets) and injects; the fault is tracked before it is applied, so a partial inject is healed too. */
  async inject(fault: Fault | FaultSpec, scheduledAt?: number): Promise<Fault> {
    const f = fault instanceof Fault ? fault : createFault(fault);
    await f.prepare(this.ctx);
    this.faults.push(f);
    await f.inject(this.ctx, scheduledAt);
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
    if (errors.length > 0) throw new AggregateError(errors, `${errors.length} fault(s) could not be healed`);
  }

  /** Heals and stops listening for signals. */
  async close(): Promise<void> {
    try {
      await this.healAll();
    } finally {
      this.unregister();
    }
  }
}
