import { InvalidInputError } from '../errors.js';
import { FAULT_KINDS, type FaultSpec } from '../faults/registry.js';
import { siteOfUpstream } from '../faults/targets.js';
import type { StackDefinition } from '../stack/definition.js';

/**
 * The failure-mode matrix's rows: every single fault the stack definition offers a target for — container faults
 * on every container, link faults on every link clients or components use, and the site-wide faults per site and
 * across the WAN — each at one representative severity. Enumerated from the definition alone, so a vendor's stack
 * gets its own matrix.
 */
export interface MatrixCell {
  /** stable and readable: `container-kill a-db`, `latency b-replication`, `site-power b`, `wan-cut` */
  id: string;
  fault: FaultSpec;
  /** what the fault hits, in words */
  target: string;
  /**
   * the sites whose parts the fault takes away (a container's site, a link's upstream's site, the site of a site
   * fault); empty for faults between sites (WAN) — what they take from a function is always the other site
   */
  takesAwayFrom: string[];
}

/** The severity each kind is injected at: enough to break what depends on the target, short of destroying state. */
export const MATRIX_SEVERITY = {
  latencyMs: 1000,
  bandwidthKBps: 16,
  sitePowerOutageMs: 5000,
} as const;

const CONTAINER_KINDS = ['container-kill', 'container-stop', 'container-pause', 'container-restart', 'container-disconnect'] as const;
const LINK_KINDS = ['latency', 'bandwidth', 'blackhole', 'reset-peer', 'link-down'] as const;
const SITE_KINDS = ['site-power', 'core-switch', 'site-isolation', 'client-partition'] as const;
const WAN_KINDS = ['wan-cut', 'asymmetric-partition upstream', 'asymmetric-partition downstream', 'replication-lag'] as const;
/** every kind the matrix knows how to place (the `--faults` filter names these) */
export const MATRIX_FAULT_KINDS: readonly string[] = [...CONTAINER_KINDS, ...LINK_KINDS, ...SITE_KINDS, 'wan-cut', 'asymmetric-partition', 'replication-lag'];

export interface CellFilter {
  /** fault kinds to keep (default: all) */
  faults?: readonly string[];
  /** containers, links or sites to keep, by name (default: all); the WAN faults are kept when `wan` is named */
  targets?: readonly string[];
}

export function matrixCells(def: StackDefinition, filter: CellFilter = {}): MatrixCell[] {
  for (const k of filter.faults ?? []) {
    if (!MATRIX_FAULT_KINDS.includes(k)) {
      throw new InvalidInputError(`--faults: the matrix has no fault kind '${k}'`, `kinds: ${MATRIX_FAULT_KINDS.join(', ')}`);
    }
  }
  const cells: MatrixCell[] = [];
  for (const c of def.containers) {
    for (const kind of CONTAINER_KINDS) cells.push({ id: `${kind} ${c.name}`, fault: { kind, target: { container: c.name } }, target: `${c.name} (site ${c.site}, ${c.role})`, takesAwayFrom: [c.site] });
  }
  // the harness's own admin links are not the stack's; a front door that routes no function has no clinician on it
  const routed = new Set(Object.values(def.functions).map((f) => f?.link));
  const links = def.links.filter((l) => l.kind !== 'admin' && (l.kind !== 'front-door' || routed.has(l.name)));
  for (const l of links) {
    const site = siteOfUpstream(def, l);
    const target = { links: [l.name] };
    const where = `${l.name} (${l.kind}${l.fromSite ? ` from site ${l.fromSite}` : ''} to ${l.upstream.container})`;
    const severity: Record<(typeof LINK_KINDS)[number], FaultSpec> = {
      latency: { kind: 'latency', target, latencyMs: MATRIX_SEVERITY.latencyMs },
      bandwidth: { kind: 'bandwidth', target, rateKBps: MATRIX_SEVERITY.bandwidthKBps },
      blackhole: { kind: 'blackhole', target },
      'reset-peer': { kind: 'reset-peer', target },
      'link-down': { kind: 'link-down', target },
    };
    for (const kind of LINK_KINDS) cells.push({ id: `${kind} ${l.name}`, fault: severity[kind], target: where, takesAwayFrom: site ? [site] : [] });
  }
  for (const s of def.sites) {
    const severity: Record<(typeof SITE_KINDS)[number], FaultSpec> = {
      // no UPS, no generator: the site goes dark at once and comes back by itself after a short outage
      'site-power': { kind: 'site-power', site: s.id, upsRuntimeMs: 0, mainsRestoredAfterMs: MATRIX_SEVERITY.sitePowerOutageMs },
      'core-switch': { kind: 'core-switch', site: s.id },
      'site-isolation': { kind: 'site-isolation', site: s.id },
      'client-partition': { kind: 'client-partition', site: s.id },
    };
    for (const kind of SITE_KINDS) cells.push({ id: `${kind} ${s.id}`, fault: severity[kind], target: `site ${s.id} (${s.name})`, takesAwayFrom: [s.id] });
  }
  if (def.sites.length > 1) {
    const wan: Record<(typeof WAN_KINDS)[number], FaultSpec> = {
      'wan-cut': { kind: 'wan-cut' },
      'asymmetric-partition upstream': { kind: 'asymmetric-partition', direction: 'upstream' },
      'asymmetric-partition downstream': { kind: 'asymmetric-partition', direction: 'downstream' },
      'replication-lag': { kind: 'replication-lag', latencyMs: MATRIX_SEVERITY.latencyMs },
    };
    for (const id of WAN_KINDS) cells.push({ id, fault: wan[id], target: 'the WAN between the sites', takesAwayFrom: [] });
  }
  const kindOf = (c: MatrixCell) => c.fault.kind;
  const named = (c: MatrixCell) => c.id.slice(kindOf(c).length + 1).split(' ').filter(Boolean);
  const kept = cells.filter(
    (c) =>
      (!filter.faults || filter.faults.includes(kindOf(c))) &&
      (!filter.targets || (c.takesAwayFrom.length === 0 ? filter.targets.includes('wan') : named(c).some((n) => filter.targets!.includes(n)))),
  );
  if (kept.length === 0) throw new InvalidInputError(`no matrix cell of stack '${def.name}' matches the filter`, 'see `epj-chaos matrix --list`');
  return kept;
}

/** Guards the table above against a fault kind renamed in the registry (harness/faults/registry.ts). */
export function unknownMatrixKinds(): string[] {
  return MATRIX_FAULT_KINDS.filter((k) => !(FAULT_KINDS as readonly string[]).includes(k));
}
