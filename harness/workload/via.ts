import type { ClinicalFunction } from '../stack/definition.js';

/**
 * The front door each function's attempts go through: the published link whose 127.0.0.1 port the function's
 * target URL names. The driver stamps it on every write (`via`), so a checker can tell which site answered from
 * where that door pointed at the instant (harness/checkers/split-brain.ts) — no response header needed.
 * A target on a port the stack does not publish gets none.
 */
export function doorsOf(
  targets: Readonly<Partial<Record<ClinicalFunction, string>>>,
  publishedLinks: Readonly<Record<string, number>>,
): Partial<Record<ClinicalFunction, string>> {
  const byPort = new Map(Object.entries(publishedLinks).map(([link, port]) => [String(port), link]));
  const doors: Partial<Record<ClinicalFunction, string>> = {};
  for (const [fn, url] of Object.entries(targets) as [ClinicalFunction, string][]) {
    const link = byPort.get(new URL(url).port);
    if (link) doors[fn] = link;
  }
  return doors;
}
