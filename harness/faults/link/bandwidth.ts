import { ToxicFault, type ToxicOptions } from './link-fault.js';
import type { LinkSelector } from '../targets.js';

/** Cap throughput at `rateKBps` kilobytes per second: a thin or saturated line. */
export class Bandwidth extends ToxicFault<{ rate: number }> {
  readonly kind = 'bandwidth';
  readonly toxicType = 'bandwidth' as const;
  constructor(selector: LinkSelector, rateKBps: number, options?: ToxicOptions) {
    super('bandwidth', selector, { rate: rateKBps }, options);
  }
}
