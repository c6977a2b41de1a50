import type { ClinicalFunction } from '../stack/definition.js';

/**
 * A setting that may differ per clinical function: either one value for all, or a map with an optional `default`,
 * e.g. `{ default: 0.99, 'read-only-lookup': 0.95 }`.
 */
export type PerFunction<T> = T | (Partial<Record<ClinicalFunction, T>> & { default?: T });

export function forFunction<T>(setting: PerFunction<T> | undefined, fn: ClinicalFunction, fallback: T): T;
export function forFunction<T>(setting: PerFunction<T> | undefined, fn: ClinicalFunction): T | undefined;
export function forFunction<T>(setting: PerFunction<T> | undefined, fn: ClinicalFunction, fallback?: T): T | undefined {
  if (setting === undefined) return fallback;
  if (typeof setting !== 'object' || setting === null) return setting as T;
  const map = setting as Partial<Record<ClinicalFunction, T>> & { default?: T };
  return map[fn] ?? map.default ?? fallback;
}

/** The default availability threshold of the steady-state hypothesis (docs/architecture.md: "every function ≥ 99 %"). */
export const DEFAULT_THRESHOLD = 0.99;
