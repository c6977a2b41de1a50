import type { Floor } from './floors.js';

/**
 * The noise rule (docs/compare.md): each side's runs of a measure give a median and a spread (min..max, the range:
 * with the few repeats a release comparison has, an interquartile range would hide the one bad run). B is worse than
 * A when the medians differ, the wrong way, by more than the spread of either side AND by the measure's floor
 * (harness/compare/floors.ts); better the same way round; otherwise within noise.
 *
 * A value may be +Infinity (an RTO that never came: the function did not recover); the spread is taken over the
 * finite values, so "did not recover" in most of B's runs against a recovery in all of A's is worse.
 */
export interface Sample {
  values: number[];
  median: number;
  min: number;
  max: number;
  /** max − min of the finite values (0 for one run) */
  spread: number;
}

export type Judgement = 'worse' | 'better' | 'within noise' | 'not judged';

export function median(values: readonly number[]): number {
  const v = [...values].sort((x, y) => x - y);
  const mid = Math.floor(v.length / 2);
  return v.length % 2 === 1 ? v[mid]! : v[mid - 1]! === v[mid]! ? v[mid]! : (v[mid - 1]! + v[mid]!) / 2;
}

export function sampleOf(values: readonly number[]): Sample {
  if (values.length === 0) throw new Error('a sample needs at least one value');
  const finite = values.filter(Number.isFinite);
  const min = Math.min(...values);
  const max = Math.max(...values);
  return { values: [...values], median: median(values), min, max, spread: finite.length > 1 ? Math.max(...finite) - Math.min(...finite) : 0 };
}

/** How far B's median is from A's, the worse way positive (Infinity − Infinity is no difference). */
export function badness(a: Sample, b: Sample, floor: Floor): number {
  const delta = a.median === b.median ? 0 : b.median - a.median;
  return floor.worse === 'higher' ? delta : -delta;
}

export function judge(a: Sample, b: Sample, floor: Floor): Judgement {
  const bad = badness(a, b, floor);
  const size = Math.abs(bad);
  if (size === 0 || Number.isNaN(size)) return 'within noise';
  const beyondNoise = size > a.spread && size > b.spread;
  const beyondFloor = size >= floor.absolute && (floor.relative === 0 || !Number.isFinite(a.median) || size >= floor.relative * Math.abs(a.median));
  if (!beyondNoise || !beyondFloor) return 'within noise';
  return bad > 0 ? 'worse' : 'better';
}
