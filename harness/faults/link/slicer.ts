import { ToxicFault, type ToxicOptions } from './link-fault.js';
import type { LinkSelector } from '../targets.js';

/** Slice data into small packets with a delay between them (µs): fragmentation, a struggling middlebox. */
export class Slicer extends ToxicFault<{ average_size: number; size_variation: number; delay: number }> {
  readonly kind = 'slicer';
  readonly toxicType = 'slicer' as const;
  constructor(selector: LinkSelector, averageSize: number, sizeVariation = 0, delayMicros = 0, options?: ToxicOptions) {
    super('slicer', selector, { average_size: averageSize, size_variation: sizeVariation, delay: delayMicros }, options);
  }
}
