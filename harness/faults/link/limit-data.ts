import { ToxicFault, type ToxicOptions } from './link-fault.js';
import type { LinkSelector } from '../targets.js';

/** Close each connection after `bytes` bytes: a connection that dies mid-transfer. */
export class LimitData extends ToxicFault<{ bytes: number }> {
  readonly kind = 'limit-data';
  readonly toxicType = 'limit_data' as const;
  constructor(selector: LinkSelector, bytes: number, options?: ToxicOptions) {
    super('limit-data', selector, { bytes }, options);
  }
}
