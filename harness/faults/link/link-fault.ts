import type { ToxicDirection, ToxicType } from 'toxiproxy-node-client';
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
  }

  private streams(): ToxicDirection[] {
    const s = this.options.stream ?? 'both';
    return s === 'both' ? ['upstream', 'downstream'] : [s];
  }

  private toxicName(stream: ToxicDirection) {
    return `${this.id}-${stream}`;
  }

  protected async apply(ctx: RunContext): Promise<string> {
    const toxiproxy = ctx.stack.toxiproxy();
    await Promise.all(
      this.links.map(async (l) => {
        const proxy = await toxiproxy.get(l.name);
        for (const stream of this.streams()) {
          await proxy.addToxic({ name: this.toxicName(stream), type: this.toxicType, stream, toxicity: this.options.toxicity ?? 1, attributes: this.attributes });
        }
      }),
    );
    return `${this.toxicType} ${JSON.stringify(this.attributes)} on ${this.describeTarget()} (${this.streams().join('+')})`;
  }

  protected async observe(ctx: RunContext): Promise<string> {
    const toxiproxy = ctx.stack.toxiproxy();
    const present = await Promise.all(
      this.links.map(async (l) => {
        const names = (await toxiproxy.get(l.name)).toJson().toxics.map((t) => t.name);
        const missing = this.streams().filter((s) => !names.includes(this.toxicName(s)));
        if (missing.length > 0) throw new Error(`toxic missing on ${l.name}: ${missing.join(', ')}`);
        return l.name;
      }),
    );
    return `toxic ${this.toxicType} present on ${present.join(', ')}`;
  }

  protected async undo(ctx: RunContext): Promise<void> {
    const toxiproxy = ctx.stack.toxiproxy();
    await Promise.all(
      this.links.map(async (l) => {
        const proxy = await toxiproxy.get(l.name);
        const names = proxy.toJson().toxics.map((t) => t.name);
        for (const stream of this.streams()) {
          if (names.includes(this.toxicName(stream))) await (await proxy.getToxic(this.toxicName(stream))).remove();
        }
      }),
    );
  }
}
