import { ToxicFault, type ToxicOptions } from './link-fault.js';
import type { LinkSelector } from '../targets.js';

/** Delay every byte by latency ± jitter (ms): a slow WAN, a congested switch. */
export class Latency extends ToxicFault<{ latency: number; jitter: number }> {
  readonly kind = 'latency';
  readonly toxicType = 'latency' as const;
  constructor(selector: LinkSelector, latencyMs: number, jitterMs = 0, options?: ToxicOptions) {
    super('latency', selector, { latency: latencyMs, jitter: jitterMs }, options);
  }
}
