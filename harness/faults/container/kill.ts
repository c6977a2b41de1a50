import type { RunContext } from '../../run-context.js';
import { ContainerFault, ensureStarted, lastDeath } from './container-fault.js';
import type { ContainerSelector } from '../targets.js';

/** SIGKILL: no graceful shutdown — what a power cut does to a server. Every target at the same instant. */
export class ContainerKill extends ContainerFault {
  readonly kind = 'container-kill';

  constructor(selector: ContainerSelector) {
    super('container-kill', selector);
  }

  protected async apply(): Promise<string> {
    // The kill takes effect the moment it is issued: SIGKILL is not caught, and clients see resets within
    // milliseconds. The engine's FinishedAt is NOT that moment: on a busy host it lags the death by up to ~100 ms
    // (measured here: resets 80 ms before it), so it is kept as proof (observe), not as the applied instant.
    this.effectAt = Date.now();
    await Promise.all(this.targets.map((t) => t.handle.kill({ signal: 'SIGKILL' })));
    this.certainAt = await lastDeath(this.targets);
    return `SIGKILL sent to ${this.describeTarget()}`;
  }

  protected async observe(): Promise<string> {
    const states = await this.inspectAll();
    const alive = states.filter((s) => s.info.State.Running);
    if (alive.length > 0) throw new Error(`still running after SIGKILL: ${alive.map((s) => s.t.spec.name).join(', ')}`);
    const finished = states.map((s) => Date.parse(s.info.State.FinishedAt));
    const spread = Math.max(...finished) - Math.min(...finished);
    const recorded = Math.min(...finished) - (this.appliedAt ?? 0);
    return `${states.map((s) => `${s.t.spec.name} exited ${s.info.State.ExitCode}`).join(', ')}; deaths within ${spread} ms, recorded by the engine ${recorded} ms after the kill was issued`;
  }

  protected async undo(_ctx: RunContext): Promise<void> {
    await Promise.all(this.targets.map((t) => ensureStarted(t.handle)));
  }
}
