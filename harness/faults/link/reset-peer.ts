import { ToxicFault, type ToxicOptions } from './link-fault.js';
import type { LinkSelector } from '../targets.js';

/** Reset: connections are closed with a TCP RST after `timeoutMs` (0: at once) — a firewall or a crashed peer. */
export class ResetPeer extends ToxicFault<{ timeout: number }> {
  readonly kind = 'reset-peer';
  readonly toxicType = 'reset_peer' as const;
  constructor(selector: LinkSelector, timeoutMs = 0, options?: ToxicOptions) {
    super('reset-peer', selector, { timeout: timeoutMs }, options);
  }
}
