import { InvalidInputError } from '../errors.js';

/**
 * The reporters' names, in the order they run by default: the files first, the console block (which says where
 * they are) last. Apart from the reporters themselves (harness/reporters/registry.ts), so the CLI can check
 * `--reporter` without loading them.
 */
export const REPORTER_NAMES = ['html', 'junit', 'markdown', 'console'] as const;

export function reporterNames(): string[] {
  return [...REPORTER_NAMES];
}

/**
 * A comma-separated list of reporter names (as typed after --reporter, or in EPJ_CHAOS_REPORTERS), checked: an
 * unknown name is bad input naming it and the known ones. Duplicates are dropped; an empty list is refused.
 */
export function parseReporterList(value: string, what = '--reporter'): string[] {
  const names = value.split(',').map((s) => s.trim()).filter((s) => s.length > 0);
  if (names.length === 0) throw new InvalidInputError(`${what}: name at least one reporter`, `known: ${reporterNames().join(', ')}`);
  for (const n of names) {
    if (!(REPORTER_NAMES as readonly string[]).includes(n)) throw new InvalidInputError(`${what}: unknown reporter '${n}'`, `known: ${reporterNames().join(', ')}`);
  }
  return [...new Set(names)];
}
