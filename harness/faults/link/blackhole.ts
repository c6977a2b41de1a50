import { ToxicFault, type ToxicOptions } from './link-fault.js';
import type { LinkSelector } from '../targets.js';

/**
 * Blackhole: a `timeout` toxic with timeout 0 — connections stay open and nothing gets through, so clients hang
 * until their own timeouts. Different from `link-down`, where connections are refused at once.
 */
export class Blackhole extends ToxicFault<{ timeout: number }> {
  readonly kind: string = 'blackhole';
  readonly toxicType = 'timeout' as const;
  constructor(selector: LinkSelector, options?: ToxicOptions, kind = 'blackhole') {
    super(kind, selector, { timeout: 0 }, options);
    this.kind = kind;
  }
}
