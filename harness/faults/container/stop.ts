import { ContainerFault, ensureStarted } from './container-fault.js';
import type { ContainerSelector } from '../targets.js';

/** Graceful stop: SIGTERM (the image's stop signal), SIGKILL after `timeoutSeconds` — an orderly shutdown. */
export class ContainerStop extends ContainerFault {
  readonly kind = 'container-stop';

  constructor(
    selector: ContainerSelector,
    readonly timeoutSeconds = 10,
  ) {
    super('container-stop', selector);
  }

  protected async apply(): Promise<string> {
    await Promise.all(this.targets.map((t) => t.handle.stop({ t: this.timeoutSeconds }).catch((e) => (e.statusCode === 304 ? undefined : Promise.reject(e)))));
    return `stopped ${this.describeTarget()} (grace ${this.timeoutSeconds} s)`;
  }

  protected async observe(): Promise<string> {
    const states = await this.inspectAll();
    const alive = states.filter((s) => s.info.State.Running);
    if (alive.length > 0) throw new Error(`still running after stop: ${alive.map((s) => s.t.spec.name).join(', ')}`);
    return states.map((s) => `${s.t.spec.name} exited ${s.info.State.ExitCode}`).join(', ');
  }

  protected async undo(): Promise<void> {
    await Promise.all(this.targets.map((t) => ensureStarted(t.handle)));
  }
}
