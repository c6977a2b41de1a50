import { randomInt, randomUUID } from 'node:crypto';

/**
 * Where the harness's synthetic choices come from. Without a seed: the platform's randomness (node:crypto), as
 * before. With one: mulberry32, a small 32-bit PRNG — not for secrets, only so that the same seed makes the same
 * patients, and a run can be replayed (docs/journal.md, `seed`).
 */
export interface Prng {
  /** uniform in [0, 1) */
  next(): number;
  /** an integer uniform in [min, max) — the contract of node:crypto's randomInt */
  int(min: number, max: number): number;
  /** an RFC 4122 version-4-shaped UUID */
  uuid(): string;
}

/** mulberry32 (Tommy Ettinger): 32 bits of state, full period 2^32, passes gjrand/PractRand well past what we draw. */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A deterministic Prng for `seed` (any integer; taken modulo 2^32). */
export function seededPrng(seed: number): Prng {
  if (!Number.isInteger(seed)) throw new RangeError(`a seed must be an integer, got ${seed}`);
  const next = mulberry32(seed);
  const int = (min: number, max: number) => {
    if (!Number.isInteger(min) || !Number.isInteger(max) || max <= min) throw new RangeError(`int(${min}, ${max}): need integers with min < max`);
    return min + Math.floor(next() * (max - min));
  };
  const hex = (n: number) => Array.from({ length: n }, () => int(0, 16).toString(16)).join('');
  return {
    next,
    int,
    uuid: () => `${hex(8)}-${hex(4)}-4${hex(3)}-${'89ab'[int(0, 4)]}${hex(3)}-${hex(12)}`,
  };
}

/** The platform's randomness, behind the same interface (the default wherever no seed is given). */
export const cryptoPrng: Prng = {
  next: () => Math.random(),
  int: (min, max) => randomInt(min, max),
  uuid: () => randomUUID(),
};

/** `seededPrng(seed)` when a seed is given, else the platform's randomness. */
export function prngFor(seed: number | undefined): Prng {
  return seed === undefined ? cryptoPrng : seededPrng(seed);
}
