import { z } from 'zod';
import { InvalidInputError } from '../errors.js';
import { LINK_KINDS, type ContainerSpec, type LinkSpec, type StackDefinition } from '../stack/definition.js';

/**
 * Faults pick targets by what things ARE (site, role, link kind) as the stack definition says — never by bare
 * Docker names. A selector that matches nothing is an error before anything is injected.
 */

export const containerSelectorSchema = z
  .object({
    site: z.string().optional(),
    role: z.string().optional(),
    /** container name in the stack definition (e.g. a-db), not a Docker name */
    container: z.string().optional(),
  })
  .refine((s) => s.site || s.role || s.container, 'name at least one of site, role, container');
export type ContainerSelector = z.infer<typeof containerSelectorSchema>;

export function selectContainers(def: StackDefinition, sel: ContainerSelector): ContainerSpec[] {
  const found = def.containers.filter(
    (c) => (!sel.site || c.site === sel.site) && (!sel.role || c.role === sel.role) && (!sel.container || c.name === sel.container),
  );
  if (found.length === 0) {
    throw new InvalidInputError(`no container of stack '${def.name}' matches ${describeSelector(sel)}`, `containers: ${def.containers.map((c) => `${c.name} (site ${c.site}, role ${c.role})`).join(', ')}`);
  }
  return found;
}

export function describeSelector(sel: Record<string, unknown>): string {
  return Object.entries(sel)
    .filter(([, v]) => v !== undefined)
    .map(([k, v]) => `${k}=${Array.isArray(v) ? v.join('|') : String(v)}`)
    .join(', ');
}

export const linkSelectorSchema = z
  .object({
    links: z.array(z.string()).optional(),
    kind: z.enum(LINK_KINDS).optional(),
    /** links that carry traffic from or to this site */
    site: z.string().optional(),
    /** only links that cross between two sites (the WAN) */
    crossSite: z.boolean().optional(),
  })
  .refine((s) => s.links || s.kind || s.site || s.crossSite, 'name at least one of links, kind, site, crossSite');
export type LinkSelector = z.infer<typeof linkSelectorSchema>;

export function siteOfUpstream(def: StackDefinition, link: LinkSpec): string | undefined {
  return def.containers.find((c) => c.name === link.upstream.container)?.site;
}

/** Admin links are the harness's own access: no selector picks them unless named explicitly. */
export function selectLinks(def: StackDefinition, sel: LinkSelector): LinkSpec[] {
  for (const name of sel.links ?? []) {
    if (!def.links.some((l) => l.name === name)) throw new InvalidInputError(`stack '${def.name}' has no link '${name}'`, `links: ${def.links.map((l) => l.name).join(', ')}`);
  }
  const found = def.links.filter((l) => {
    if (sel.links && !sel.links.includes(l.name)) return false;
    if (!sel.links && l.kind === 'admin') return false;
    if (sel.kind && l.kind !== sel.kind) return false;
    const upstreamSite = siteOfUpstream(def, l);
    if (sel.site && l.fromSite !== sel.site && upstreamSite !== sel.site) return false;
    if (sel.crossSite && !(l.fromSite !== undefined && upstreamSite !== undefined && l.fromSite !== upstreamSite)) return false;
    return true;
  });
  if (found.length === 0) throw new InvalidInputError(`no link of stack '${def.name}' matches ${describeSelector(sel)}`);
  return found;
}
