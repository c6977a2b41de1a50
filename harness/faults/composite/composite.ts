import type { RunContext } from '../../run-context.js';
import { Fault } from '../fault.js';

/** Several faults as one: injected together, healed together (in reverse), each writing its own history too. */
export class CompositeFault extends Fault {
  constructor(
    readonly kind: string,
    readonly parts: Fault[],
  ) {
    super(kind);
  }

  describeTarget(): string {
    return this.parts.map((p) => p.describeTarget()).join('; ');
  }

  override async prepare(ctx: RunContext): Promise<void> {
    await Promise.all(this.parts.map((p) => p.prepare(ctx)));
  }

  protected async apply(ctx: RunContext): Promise<string> {
    // the composite took effect when its first part did
    await Promise.all(this.parts.map((p) => p.inject(ctx, undefined, (e) => this.markFirstEffect(e.from, e.certainFrom, e.harmless === true))));
    return this.parts.map((p) => p.id).join(' + ');
  }

  protected async observe(): Promise<string> {
    return `parts active: ${this.parts.filter((p) => p.state === 'active').map((p) => p.id).join(', ')}`;
  }

  protected async undo(ctx: RunContext): Promise<void> {
    for (const p of [...this.parts].reverse()) await p.heal(ctx);
  }
}
