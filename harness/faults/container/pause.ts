import { ContainerFault } from './container-fault.js';
import type { ContainerSelector } from '../targets.js';

/** Freeze (cgroup freezer): the process is alive but answers nothing — a hung server, not a dead one. */
export class ContainerPause extends ContainerFault {
  readonly kind = 'container-pause';

  constructor(selector: ContainerSelector) {
    super('container-pause', selector);
  }

  protected async apply(): Promise<string> {
    await Promise.all(this.targets.map((t) => t.handle.pause()));
    return `froze ${this.describeTarget()}`;
  }

  protected async observe(): Promise<string> {
    const states = await this.inspectAll();
    const notPaused = states.filter((s) => !s.info.State.Paused);
    if (notPaused.length > 0) throw new Error(`not paused: ${notPaused.map((s) => s.t.spec.name).join(', ')}`);
    return states.map((s) => `${s.t.spec.name} paused`).join(', ');
  }

  protected async undo(): Promise<void> {
    await Promise.all(
      this.targets.map(async (t) => {
        if ((await t.handle.inspect()).State.Paused) await t.handle.unpause();
      }),
    );
  }
}
