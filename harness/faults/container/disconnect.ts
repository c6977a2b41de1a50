import { dockerStatus } from '../../docker/client.js';
import type { RunContext } from '../../run-context.js';
import { ContainerFault } from './container-fault.js';
import type { ContainerSelector } from '../targets.js';

/**
 * Network cut of running containers: they leave their site's network (keeping their processes), and rejoin it
 * under the same alias on heal. Applied to all of a site's containers, this is a failed core switch.
 */
export class ContainerDisconnect extends ContainerFault {
  readonly kind: string = 'container-disconnect';

  constructor(selector: ContainerSelector, kind = 'container-disconnect') {
    super(kind, selector);
    this.kind = kind;
  }

  private readonly networkIds = new Map<string, string>();

  override async prepare(ctx: RunContext): Promise<void> {
    await super.prepare(ctx);
    for (const t of this.targets) if (!this.networkIds.has(t.spec.site)) this.networkIds.set(t.spec.site, await ctx.stack.siteNetworkId(t.spec.site));
  }

  private network(ctx: RunContext, site: string) {
    return ctx.stack.docker.getNetwork(this.networkIds.get(site)!);
  }

  private connectedTo(info: { NetworkSettings: { Networks?: Record<string, { NetworkID?: string }> } }, site: string): boolean {
    return Object.values(info.NetworkSettings.Networks ?? {}).some((n) => n.NetworkID === this.networkIds.get(site));
  }

  protected async apply(ctx: RunContext): Promise<string> {
    await Promise.all(
      this.targets.map((t) =>
        this.network(ctx, t.spec.site)
          .disconnect({ Container: t.id, Force: true })
          .catch((err) => (dockerStatus(err) === 404 ? undefined : Promise.reject(err))),
      ),
    );
    return `disconnected ${this.describeTarget()} from their site networks`;
  }

  protected async observe(): Promise<string> {
    const states = await this.inspectAll();
    const still = states.filter((s) => this.connectedTo(s.info, s.t.spec.site));
    if (still.length > 0) throw new Error(`still connected: ${still.map((s) => s.t.spec.name).join(', ')}`);
    return states.map((s) => `${s.t.spec.name}: ${s.info.State.Running ? 'running' : s.info.State.Status}, networks: ${Object.keys(s.info.NetworkSettings.Networks ?? {}).join(', ') || 'none'}`).join('; ');
  }

  protected async undo(ctx: RunContext): Promise<void> {
    await Promise.all(
      this.targets.map(async (t) => {
        if (this.connectedTo(await t.handle.inspect(), t.spec.site)) return;
        await this.network(ctx, t.spec.site).connect({ Container: t.id, EndpointConfig: { Aliases: [t.spec.name] } });
      }),
    );
  }
}
