import { cryptoPrng, type Prng } from '../util/prng.js';

/** HL7 DK Core's identifier system for the Danish CPR number. */
export const CPR_SYSTEM = 'urn:oid:1.2.208.176.1.2';

/**
 * A CPR number that cannot belong to a living person: DDMMYYSSSS with month 00, which no real CPR number (nor
 * a replacement number, which shifts the day) ever has. Recognisably synthetic at a glance. `prng` makes it
 * reproducible (harness/util/prng.ts; default: the platform's randomness).
 */
export function syntheticCpr(prng: Prng = cryptoPrng): string {
  const day = String(prng.int(1, 29)).padStart(2, '0');
  const year = String(prng.int(0, 100)).padStart(2, '0');
  const serial = String(prng.int(0, 10_000)).padStart(4, '0');
  return `${day}00${year}${serial}`;
}

export function isSyntheticCpr(cpr: string): boolean {
  return /^\d{2}00\d{6}$/.test(cpr);
}
