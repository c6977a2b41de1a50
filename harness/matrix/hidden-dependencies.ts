import type { ClinicalFunction, StackDefinition } from '../stack/definition.js';
import type { CellResult } from './result.js';

/**
 * A hidden dependency: a function served at one site failed because of a fault that took something away only at
 * the other site (or only the WAN between them) — the read-only fallback at B that needs A, writes at A that wait for
 * B's synchronous standby, B's EPJ calling A's integration engine. Exactly the questions the incident showed nobody
 * had asked. A function's site is the site of the container behind its front door.
 */
export interface HiddenDependency {
  cell: string;
  fn: ClinicalFunction;
  /** where the function is served */
  site: string;
  /** what the fault took away: other sites' parts, or the WAN */
  dependsOn: string;
  availability: number;
}

/** Below this during a fault, a function counts as failed by it. */
export const FAILED_BELOW = 0.99;

export function siteOfFunction(def: StackDefinition, fn: ClinicalFunction): string | undefined {
  const link = def.links.find((l) => l.name === def.functions[fn]?.link);
  return link ? def.containers.find((c) => c.name === link.upstream.container)?.site : undefined;
}

export function hiddenDependencies(def: StackDefinition, results: readonly CellResult[]): HiddenDependency[] {
  const found: HiddenDependency[] = [];
  for (const r of results) {
    if (r.status !== 'measured') continue;
    for (const [fn, m] of Object.entries(r.functions) as [ClinicalFunction, CellResult['functions'][ClinicalFunction]][]) {
      if (!m || m.unknown || m.availability === null || m.availability >= FAILED_BELOW) continue;
      const site = siteOfFunction(def, fn);
      if (site === undefined || r.cell.takesAwayFrom.includes(site)) continue;
      const dependsOn = r.cell.takesAwayFrom.length === 0 ? 'the WAN (the other site)' : `site ${r.cell.takesAwayFrom.join(', ')}`;
      found.push({ cell: r.cell.id, fn, site, dependsOn, availability: m.availability });
    }
  }
  return found;
}
