import { InvalidInputError } from '../errors.js';
import { consoleReporter } from './console.js';
import { htmlReporter } from './html/index.js';
import { junitReporter } from './junit.js';
import { markdownReporter } from './markdown.js';
import type { Reporter } from './reporter.js';

/**
 * The reporters by name (`run --reporter`, `report --reporter`); each call makes a fresh one. In this order they run
 * by default: the files first, the console block (which says where they are) last.
 */
export const REPORTERS: Readonly<Record<string, () => Reporter>> = {
  html: () => htmlReporter(),
  junit: () => junitReporter(),
  markdown: () => markdownReporter(),
  console: () => consoleReporter(),
};

export function reporterNames(): string[] {
  return Object.keys(REPORTERS);
}

/**
 * A comma-separated list of reporter names (as typed after --reporter, or in EPJ_CHAOS_REPORTERS), checked: an
 * unknown name is bad input naming it and the known ones. Duplicates are dropped; an empty list is refused.
 */
export function parseReporterList(value: string, what = '--reporter'): string[] {
  const names = value.split(',').map((s) => s.trim()).filter((s) => s.length > 0);
  if (names.length === 0) throw new InvalidInputError(`${what}: name at least one reporter`, `known: ${reporterNames().join(', ')}`);
  for (const n of names) {
    if (!Object.hasOwn(REPORTERS, n)) throw new InvalidInputError(`${what}: unknown reporter '${n}'`, `known: ${reporterNames().join(', ')}`);
  }
  return [...new Set(names)];
}

export function createReporters(names: readonly string[]): Reporter[] {
  return names.map((n) => {
    const make = REPORTERS[n];
    if (!make) throw new InvalidInputError(`unknown reporter '${n}'`, `known: ${reporterNames().join(', ')}`);
    return make();
  });
}
