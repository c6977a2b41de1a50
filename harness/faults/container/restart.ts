import { ContainerFault, ensureStarted } from './container-fault.js';
import type { ContainerSelector } from '../targets.js';

/** Restart: stop (graceful, then kill) and start again — a reboot. */
export class ContainerRestart extends ContainerFault {
  readonly kind = 'container-restart';
  // a reboot ends with the container started: what follows is recovery, measured 1:1 until the stack has settled
  protected override readonly applyWork = 'restore' as const;
  private startedBefore = new Map<string, string>();

  constructor(
    selector: ContainerSelector,
    readonly timeoutSeconds = 10,
  ) {
    super('container-restart', selector);
  }

  protected async apply(): Promise<string> {
    for (const s of await this.inspectAll()) this.startedBefore.set(s.t.id, s.info.State.StartedAt);
    await Promise.all(this.targets.map((t) => t.handle.restart({ t: this.timeoutSeconds })));
    return `restarted ${this.describeTarget()}`;
  }

  protected async observe(): Promise<string> {
    const states = await this.inspectAll();
    const same = states.filter((s) => !s.info.State.Running || s.info.State.StartedAt === this.startedBefore.get(s.t.id));
    if (same.length > 0) throw new Error(`not restarted: ${same.map((s) => s.t.spec.name).join(', ')}`);
    return states.map((s) => `${s.t.spec.name} running again since ${s.info.State.StartedAt}`).join(', ');
  }

  protected async undo(): Promise<void> {
    await Promise.all(this.targets.map((t) => ensureStarted(t.handle)));
  }
}
