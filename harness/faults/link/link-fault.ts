import type { Proxy, ToxicDirection, ToxicType } from 'toxiproxy-node-client';
import type { RunContext } from '../../run-context.js';
import type { LinkSpec } from '../../stack/definition.js';
import { Fault } from '../fault.js';
import { describeSelector, selectLinks, type LinkSelector } from '../targets.js';

export type Stream = ToxicDirection | 'both';

export interface ToxicOptions {
  /** upstream = client → server, downstream = server → client; both = one toxic per direction */
  stream?: Stream;
  /** fraction of connections affected, 0..1 */
  toxicity?: number;
}

/**
 * A Toxiproxy toxic on every selected link. The toxic is named after the fault, so heal removes exactly what
 * this fault added and nothing another fault put on the same link.
 */
export abstract class ToxicFault<A extends object> extends Fault {
  protected links: LinkSpec[] = [];
  private proxies: Proxy[] = [];
  abstract readonly toxicType: ToxicType;

  constructor(
    kind: string,
    readonly selector: LinkSelector,
    readonly attributes: A,
    readonly options: ToxicOptions = {},
  ) {
    super(kind);
  }

  describeTarget(): string {
    return this.links.length > 0 ? this.links.map((l) => l.name).join(', ') : describeSelector(this.selector);
  }

  override async prepare(ctx: RunContext): Promise<void> {
    if (this.links.length === 0) this.links = selectLinks(ctx.stack.definition, this.selector);
    // fetched now, so applying at the scheduled instant is one POST per link and direction
    const toxiproxy = ctx.stack.toxiproxy();
    this.proxies = await Promise.all(this.links.map((l) => toxiproxy.get(l.name)));
  }

  private streams(): ToxicDirection[] {
    const s = this.options.stream ?? 'both';
    return s === 'both' ? ['upstream', 'downstream'] : [s];
  }

  /** named after the fault (`latency-3-upstream`): '#' would end a URL path in the Toxiproxy API */
  toxicName(stream: ToxicDirection) {
    return `${this.id.replace('#', '-')}-${stream}`;
  }

  protected async apply(): Promise<string> {
    await Promise.all(
      this.proxies.flatMap((proxy) =>
        this.streams().map((stream) =>
          proxy.addToxic({ name: this.toxicName(stream), type: this.toxicType, stream, toxicity: this.options.toxicity ?? 1, attributes: this.attributes }),
        ),
      ),
    );
    return `${this.toxicType} ${JSON.stringify(this.attributes)} on ${this.describeTarget()} (${this.streams().join('+')})`;
  }

  protected async observe(ctx: RunContext): Promise<string> {
    const present = await Promise.all(
      this.links.map(async (l) => {
        const names = await toxicNames(ctx, l.name);
        const missing = this.streams().filter((s) => !names.includes(this.toxicName(s)));
        if (missing.length > 0) throw new Error(`toxic missing on ${l.name}: ${missing.join(', ')}`);
        return l.name;
      }),
    );
    return `toxic ${this.toxicType} present on ${present.join(', ')}`;
  }

  protected async undo(ctx: RunContext): Promise<void> {
    await Promise.all(
      this.proxies.map(async (proxy) => {
        const present = await toxicNames(ctx, proxy.name);
        // only what this fault added; a partial inject may have added some directions and not others
        await Promise.all(
          this.streams()
            .filter((stream) => present.includes(this.toxicName(stream)))
            .map(async (stream) => (await proxy.getToxic(this.toxicName(stream))).remove()),
        );
      }),
    );
  }
}

/** The toxics on a proxy, read from the API (the client's Proxy object does not keep them). */
export async function toxicNames(ctx: RunContext, proxy: string): Promise<string[]> {
  const res = await fetch(`${ctx.stack.toxiproxyApi}/proxies/${encodeURIComponent(proxy)}/toxics`, { signal: AbortSignal.timeout(5000) });
  if (!res.ok) throw new Error(`Toxiproxy: GET toxics of ${proxy} answered ${res.status}`);
  return ((await res.json()) as { name: string }[]).map((t) => t.name);
}

