import type Docker from 'dockerode';
import type { RunContext } from '../../run-context.js';
import { HarnessError } from '../../errors.js';
import { dockerStatus } from '../../docker/client.js';
import type { ContainerSpec } from '../../stack/definition.js';
import { Fault } from '../fault.js';
import { describeSelector, selectContainers, type ContainerSelector } from '../targets.js';

export interface TargetContainer {
  spec: ContainerSpec;
  id: string;
  handle: Docker.Container;
}

/** A fault on containers chosen by site/role/name; the ids come from the run's labels, resolved in prepare. */
export abstract class ContainerFault extends Fault {
  protected targets: TargetContainer[] = [];
  /** the stack's `replacements` when the targets were resolved */
  private resolvedAt = -1;

  constructor(
    kind: string,
    readonly selector: ContainerSelector,
  ) {
    super(kind);
  }

  describeTarget(): string {
    return this.targets.length > 0 ? this.targets.map((t) => t.spec.name).join(', ') : describeSelector(this.selector);
  }

  override async prepare(ctx: RunContext): Promise<void> {
    const generation = ctx.stack.replacements;
    if (this.targets.length > 0 && this.resolvedAt === generation) return;
    this.targets = await resolveContainers(ctx, selectContainers(ctx.stack.definition, this.selector));
    this.resolvedAt = generation; // only once resolved: a failed lookup is tried again
  }

  /** A container replaced since prepare (a rolling upgrade) has a new id: resolve again (one Docker call, only then). */
  protected override async beforeApply(ctx: RunContext): Promise<void> {
    if (this.resolvedAt !== ctx.stack.replacements) await this.prepare(ctx);
  }

  protected async inspectAll() {
    return Promise.all(this.targets.map(async (t) => ({ t, info: await t.handle.inspect() })));
  }
}

export async function resolveContainers(ctx: RunContext, specs: ContainerSpec[]): Promise<TargetContainer[]> {
  const running = new Map((await ctx.stack.containers()).map((c) => [c.name, c.id]));
  return specs.map((spec) => {
    const id = running.get(spec.name);
    if (!id) throw new HarnessError(`container ${spec.name} of run ${ctx.stack.runId} does not exist`, 'no-such-container');
    return { spec, id, handle: ctx.stack.docker.getContainer(id) };
  });
}

/** When the engine recorded the last of these containers dead (the instant a kill is certain), or now if it has not. */
export async function lastDeath(targets: readonly TargetContainer[]): Promise<number> {
  const finished = await Promise.all(targets.map(async (t) => Date.parse((await t.handle.inspect()).State.FinishedAt)));
  return finished.every((t) => t > 0) ? Math.max(...finished) : Date.now();
}

/** Starts a container unless it already runs (304) — the common undo of kill and stop. */
export async function ensureStarted(handle: Docker.Container): Promise<void> {
  const info = await handle.inspect();
  if (info.State.Paused) await handle.unpause();
  if (info.State.Running) return;
  try {
    await handle.start();
  } catch (err) {
    if (dockerStatus(err) !== 304) throw err;
  }
}
