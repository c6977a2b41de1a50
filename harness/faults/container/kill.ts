import type { RunContext } from '../../run-context.js';
import { ContainerFault, ensureStarted } from './container-fault.js';
import type { ContainerSelector } from '../targets.js';

/** SIGKILL: no graceful shutdown — what a power cut does to a server. Every target at the same instant. */
export class ContainerKill extends ContainerFault {
  readonly kind = 'container-kill';

  constructor(selector: ContainerSelector) {
    super('container-kill', selector);
  }

  protected async apply(): Promise<string> {
    await Promise.all(this.targets.map((t) => t.handle.kill({ signal: 'SIGKILL' })));
    // Docker's kill call returns some time after the process died; the engine's record of the death is the truth
    const finished = (await this.inspectAll()).map((s) => Date.parse(s.info.State.FinishedAt)).filter((t) => t > 0);
    if (finished.length === this.targets.length) this.effectAt = Math.max(...finished);
    return `SIGKILL sent to ${this.describeTarget()}`;
  }

  protected async observe(): Promise<string> {
    const states = await this.inspectAll();
    const alive = states.filter((s) => s.info.State.Running);
    if (alive.length > 0) throw new Error(`still running after SIGKILL: ${alive.map((s) => s.t.spec.name).join(', ')}`);
    const finished = states.map((s) => Date.parse(s.info.State.FinishedAt));
    const spread = Math.max(...finished) - Math.min(...finished);
    return `${states.map((s) => `${s.t.spec.name} exited ${s.info.State.ExitCode}`).join(', ')}; deaths within ${spread} ms`;
  }

  protected async undo(_ctx: RunContext): Promise<void> {
    await Promise.all(this.targets.map((t) => ensureStarted(t.handle)));
  }
}
