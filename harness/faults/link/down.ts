import net from 'node:net';
import type { RunContext } from '../../run-context.js';
import type { LinkSpec } from '../../stack/definition.js';
import { Fault } from '../fault.js';
import { describeSelector, selectLinks, type LinkSelector } from '../targets.js';

/**
 * Link down: the proxy is disabled, so connections are refused at once and open ones are closed. Proof: a new
 * connection to a published link is refused (or, for an internal link, the proxy reports itself disabled).
 */
export class LinkDown extends Fault {
  readonly kind = 'link-down';
  private links: LinkSpec[] = [];

  constructor(readonly selector: LinkSelector) {
    super('link-down');
  }

  describeTarget(): string {
    return this.links.length > 0 ? this.links.map((l) => l.name).join(', ') : describeSelector(this.selector);
  }

  override async prepare(ctx: RunContext): Promise<void> {
    if (this.links.length === 0) this.links = selectLinks(ctx.stack.definition, this.selector);
  }

  private async setEnabled(ctx: RunContext, enabled: boolean) {
    const toxiproxy = ctx.stack.toxiproxy();
    await Promise.all(
      this.links.map(async (l) => {
        const proxy = await toxiproxy.get(l.name);
        if (proxy.enabled !== enabled) await proxy.update({ enabled, listen: proxy.listen, upstream: proxy.upstream });
      }),
    );
  }

  protected async apply(ctx: RunContext): Promise<string> {
    await this.setEnabled(ctx, false);
    return `disabled ${this.describeTarget()}`;
  }

  protected async observe(ctx: RunContext): Promise<string> {
    const proofs: string[] = [];
    for (const l of this.links) {
      if (l.publish !== false) {
        const outcome = await tryConnect(ctx.stack.linkPort(l.name));
        if (outcome !== 'refused') throw new Error(`${l.name}: connection was ${outcome}, expected refused`);
        proofs.push(`${l.name}: connection refused (closed at once)`);
      } else {
        const proxy = await ctx.stack.toxiproxy().get(l.name);
        if (proxy.enabled) throw new Error(`${l.name} is still enabled`);
        proofs.push(`${l.name}: disabled`);
      }
    }
    return proofs.join(', ');
  }

  protected async undo(ctx: RunContext): Promise<void> {
    await this.setEnabled(ctx, true);
  }
}

/**
 * With Docker's userland proxy (a daemon started with it on) a published port accepts on 127.0.0.1 and then finds
 * nothing behind it, so a refused link shows as a connection closed at once without a byte; without it (an iptables
 * rule, as scripts/setup.sh starts dockerd) the connection is refused outright. Both count as refused; open for
 * 500 ms = not refused. The load classifies them as it meets them: `reset` with the proxy, `refused` without.
 */
function tryConnect(port: number): Promise<'open' | 'refused' | 'other'> {
  return new Promise((resolve) => {
    const socket = net.connect({ host: '127.0.0.1', port });
    const done = (outcome: 'open' | 'refused' | 'other') => {
      socket.destroy();
      resolve(outcome);
    };
    socket.once('connect', () => setTimeout(() => done('open'), 500));
    socket.once('data', () => done('open'));
    socket.once('close', () => done('refused'));
    socket.once('error', (err: NodeJS.ErrnoException) => done(err.code === 'ECONNREFUSED' || err.code === 'ECONNRESET' ? 'refused' : 'other'));
  });
}
