import { InvalidInputError } from '../errors.js';
import { consoleReporter } from './console.js';
import { htmlReporter } from './html/index.js';
import { junitReporter } from './junit.js';
import { markdownReporter } from './markdown.js';
import type { Reporter } from './reporter.js';
import { reporterNames, type REPORTER_NAMES } from './reporter-names.js';

export { parseReporterList, reporterNames } from './reporter-names.js';

/** The reporters by name (`run --reporter`, `report --reporter`; their default order: REPORTER_NAMES); each call makes a fresh one. */
export const REPORTERS: Readonly<Record<(typeof REPORTER_NAMES)[number], () => Reporter>> = {
  html: () => htmlReporter(),
  junit: () => junitReporter(),
  markdown: () => markdownReporter(),
  console: () => consoleReporter(),
};

export function createReporters(names: readonly string[]): Reporter[] {
  return names.map((n) => {
    const make = Object.hasOwn(REPORTERS, n) ? REPORTERS[n as keyof typeof REPORTERS] : undefined;
    if (!make) throw new InvalidInputError(`unknown reporter '${n}'`, `known: ${reporterNames().join(', ')}`);
    return make();
  });
}
