import type { ActionEvent, WriteEvent } from '../history/events.js';
import { History } from '../history/history.js';
import type { ClinicalFunction, StackDefinition } from '../stack/definition.js';
import type { PresentWrite } from './lost-writes.js';
import type { Verdict } from './verdict.js';

/**
 * Split brain: once a failover has promoted the database at one site, a write that another site still acknowledges
 * is a divergence — its clinician was told "saved" by a primary that is no longer the primary, and the new one has
 * never heard of it.
 *
 * Which site acknowledged a write is not asked of the EPJ: a vendor's response need not name its site. The harness
 * knows the front door each write went through (`WriteEvent.via`, harness/workload/via.ts) and where that door
 * pointed at the instant — the stack definition's upstream until an action repointed it. Actions record each effect
 * with the instant it was observed in their proof (harness/actions/action.ts, harness/actions/support.ts): the
 * promotion (`b-db promoted (…) at <instant>`) and the repoint (`epj-front → b-epj:8080 at <instant>`) are read
 * from there, and sites from the definition, so nothing here knows the reference stack's names.
 *
 * Instants are taken so that a write is called divergent only when it certainly is:
 * - the promotion counts from when it was observed (after pg_promote returned), so an acknowledgement at the old
 *   site between the real promotion and that instant is not counted (the lost-writes checker sees it as lost);
 * - a repoint took effect between the action's previous observed instant and its own. Toxiproxy restarts the
 *   listener, closing every connection to the old upstream, so an answer received after the repoint came from the
 *   new upstream and one received before it from the old; an answer inside that gap is placed by the read-back.
 *
 * With a read-back of both sites (harness/workload/readback.ts, readBackSites) each divergent write is confirmed:
 * present at the site that acknowledged it, absent at the primary's. A write the old site answered after the
 * promotion that the new primary nevertheless holds committed before the promotion and was answered late: not a
 * divergence (`reached-primary`).
 */

/** What a write acknowledged after a promotion turned out to be. */
export type SplitBrainClass =
  /** acknowledged by the site whose database was the primary */
  | 'primary'
  /** acknowledged by another site, and (as far as read back) absent at the primary's */
  | 'divergent'
  /** answered by another site, but the primary's holds it: committed before the promotion */
  | 'reached-primary'
  /** the acknowledging site cannot be told (no door, an answer inside a repoint's gap) and the read-back did not settle it */
  | 'unplaced';

export const SPLIT_BRAIN_CLASSES: readonly SplitBrainClass[] = ['primary', 'divergent', 'reached-primary', 'unplaced'];

/** A database promoted by an action: from `at` on, its site holds the primary. */
export interface Promotion {
  container: string;
  site: string;
  at: number;
  action: string;
}

/** A front door pointed elsewhere by an action, at an instant in (notBefore, at]. */
export interface Repoint {
  link: string;
  container: string;
  site: string;
  notBefore: number;
  at: number;
  action: string;
}

export interface DivergentWrite {
  fn: ClinicalFunction;
  writeId: string;
  resourceType: string;
  resourceId: string | null;
  acknowledgedAt: number;
  scenarioMs: number;
  /** the front door it went through (null: the load was given bare URLs) */
  via: string | null;
  /** the site that acknowledged it */
  site: string;
  /** the site whose database was the primary at that instant */
  primarySite: string;
  /** how its site is known: where its door pointed, or (door unknown or mid-repoint) where the read-back found it */
  placedBy: 'door' | 'read-back';
  /** read-back: present at `site`; null when that site was not read back */
  atSite: boolean | null;
  /** read-back: present at `primarySite` (always false when read); null when not read back */
  atPrimary: boolean | null;
}

export interface UnplacedWrite {
  fn: ClinicalFunction;
  writeId: string;
  acknowledgedAt: number;
  via: string | null;
  why: string;
}

export interface SplitBrainResult {
  promotions: Promotion[];
  repoints: Repoint[];
  /** distinct writes acknowledged after the first promotion, by class */
  counts: Record<SplitBrainClass, number>;
  /** sorted by acknowledgement */
  divergent: DivergentWrite[];
  divergentByFunction: Partial<Record<ClinicalFunction, number>>;
  divergentByDoor: Record<string, number>;
  /** first and last divergent acknowledgement */
  window: { from: number; to: number } | null;
  unplaced: UnplacedWrite[];
  /** what the history says that cannot be read (a promotion at an unknown container, …) */
  problems: string[];
  verdict: Verdict;
}

/** Present writes per site id, as readBackSites returns them. */
export type SiteReadBack = Readonly<Record<string, readonly PresentWrite[]>>;

const CHECKER = 'split brain';
/** the operator action that must have promoted something (harness/actions/failover.ts) */
const FAILOVER_ACTION = 'failover';

export function splitBrain(source: History | readonly (WriteEvent | ActionEvent)[], definition: StackDefinition, readBack?: SiteReadBack): SplitBrainResult {
  const events = source instanceof History ? [...source.ofKind('action'), ...source.ofKind('write')] : source;
  const actions = events.filter((e): e is ActionEvent => e.kind === 'action');
  const writes = events.filter((e): e is WriteEvent => e.kind === 'write').sort((a, b) => a.t - b.t);
  const { promotions, repoints, problems } = switchesOf(actions, definition);

  const siteOf = new Map(definition.containers.map((c) => [c.name, c.site]));
  const doorUpstream = new Map(definition.links.map((l) => [l.name, siteOf.get(l.upstream.container)]));
  const present = new Map(Object.entries(readBack ?? {}).map(([site, found]) => [site, new Set(found.map((p) => p.writeId))]));
  /** null: that site was not read back */
  const isAt = (site: string, writeId: string): boolean | null => present.get(site)?.has(writeId) ?? null;
  const primaryAt = (t: number): string => promotions.filter((p) => p.at < t).at(-1)!.site;
  /** the site the door led to at `t`, or why that cannot be told */
  const doorSiteAt = (via: string | undefined, t: number): { site: string } | { why: string } => {
    if (!via) return { why: 'the write names no front door' };
    let site = doorUpstream.get(via);
    if (!site) return { why: `front door '${via}' is not a link of the stack definition` };
    for (const r of repoints.filter((p) => p.link === via)) {
      if (t > r.at) site = r.site;
      else if (t <= r.notBefore || r.site === site) break;
      else return { why: `answered while ${via} was being repointed to ${r.container} (${iso(r.notBefore)}–${iso(r.at)})` };
    }
    return { site };
  };

  const counts = Object.fromEntries(SPLIT_BRAIN_CLASSES.map((c) => [c, 0])) as Record<SplitBrainClass, number>;
  const divergent: DivergentWrite[] = [];
  const unplaced: UnplacedWrite[] = [];
  const seen = new Set<string>();
  const firstPromotion = promotions[0]?.at ?? Infinity;
  for (const w of writes) {
    // one write id, one judgement: its first acknowledgement after the promotion
    if (w.outcome !== 'acknowledged' || w.t <= firstPromotion || seen.has(w.writeId)) continue;
    seen.add(w.writeId);
    const primarySite = primaryAt(w.t);
    const atPrimary = isAt(primarySite, w.writeId);
    const door = doorSiteAt(w.via, w.t);
    let site: string | undefined;
    let placedBy: DivergentWrite['placedBy'] = 'door';
    if ('site' in door) {
      site = door.site;
      if (site !== primarySite && atPrimary === true) {
        counts['reached-primary']++;
        continue;
      }
    } else if (atPrimary === true) {
      site = primarySite; // the primary holds it: whichever site answered, nothing diverged
    } else {
      site = [...present.keys()].find((s) => s !== primarySite && isAt(s, w.writeId) === true);
      placedBy = 'read-back';
      if (site === undefined) {
        counts.unplaced++;
        unplaced.push({ fn: w.fn, writeId: w.writeId, acknowledgedAt: w.t, via: w.via ?? null, why: door.why });
        continue;
      }
    }
    if (site === primarySite) {
      counts.primary++;
      continue;
    }
    counts.divergent++;
    divergent.push({
      fn: w.fn,
      writeId: w.writeId,
      resourceType: w.resourceType,
      resourceId: w.resourceId ?? null,
      acknowledgedAt: w.t,
      scenarioMs: w.scenarioMs,
      via: w.via ?? null,
      site,
      primarySite,
      placedBy,
      atSite: isAt(site, w.writeId),
      atPrimary,
    });
  }

  const divergentByFunction: Partial<Record<ClinicalFunction, number>> = {};
  const divergentByDoor: Record<string, number> = {};
  for (const d of divergent) {
    divergentByFunction[d.fn] = (divergentByFunction[d.fn] ?? 0) + 1;
    const door = d.via ?? '(no door)';
    divergentByDoor[door] = (divergentByDoor[door] ?? 0) + 1;
  }
  const window = divergent.length > 0 ? { from: divergent[0]!.acknowledgedAt, to: divergent.at(-1)!.acknowledgedAt } : null;
  const partial = { promotions, repoints, counts, divergent, divergentByFunction, divergentByDoor, window, unplaced, problems };
  return { ...partial, verdict: verdictOf(partial) };
}

/**
 * fail: any divergent write; unknown: no promotion to judge from, a promotion or repoint the history cannot place,
 * a write whose site cannot be told, or no write acknowledged after the promotion (silence is no evidence); pass
 * otherwise.
 */
function verdictOf(r: Omit<SplitBrainResult, 'verdict'>): Verdict {
  const details = { ...r };
  const judged = r.counts.primary + r.counts.divergent + r.counts['reached-primary'];
  if (r.divergent.length > 0) {
    const sites = [...new Set(r.divergent.map((d) => d.site))].join(', ');
    const primaries = [...new Set(r.divergent.map((d) => d.primarySite))].join(', ');
    const byFn = Object.entries(r.divergentByFunction).map(([fn, n]) => `${fn} ${n}`).join(', ');
    const byDoor = Object.entries(r.divergentByDoor).map(([door, n]) => `${door} ${n}`).join(', ');
    const confirmed = r.divergent.filter((d) => d.atSite === true && d.atPrimary === false).length;
    return {
      checker: CHECKER,
      status: 'fail',
      summary:
        `${r.divergent.length} of ${judged} writes acknowledged after the promotion were acknowledged by site ${sites} while site ${primaries} held the primary, ` +
        `${iso(r.window!.from)}–${iso(r.window!.to)} (by function: ${byFn}; by door: ${byDoor}); ${confirmed} confirmed by read-back (present there, absent at the primary)`,
      details,
    };
  }
  const unknown = (summary: string): Verdict => ({ checker: CHECKER, status: 'unknown', summary, details });
  if (r.problems.length > 0) return unknown(r.problems.join('; '));
  if (r.promotions.length === 0) return unknown('no promotion in the history: there was no failover to split from');
  if (r.unplaced.length > 0) return unknown(`${r.unplaced.length} writes acknowledged after the promotion cannot be placed at a site (first: ${r.unplaced[0]!.why})`);
  if (judged === 0) return unknown('no write was acknowledged after the promotion');
  return {
    checker: CHECKER,
    status: 'pass',
    summary: `all ${judged} writes acknowledged after the promotion came from the primary's site (${r.counts['reached-primary']} answered late by the old site, already at the primary)`,
    details,
  };
}

/** Promotions and repoints, from the structured effects of every action (completed, or failed after doing them). */
function switchesOf(actions: readonly ActionEvent[], def: StackDefinition): { promotions: Promotion[]; repoints: Repoint[]; problems: string[] } {
  const siteOf = new Map(def.containers.map((c) => [c.name, c.site]));
  const links = new Set(def.links.map((l) => l.name));
  const promotions: Promotion[] = [];
  const repoints: Repoint[] = [];
  const problems: string[] = [];
  for (const e of actions) {
    if (e.stage !== 'completed' && e.stage !== 'failed') continue;
    let promoted = false;
    for (const effect of e.effects ?? []) {
      const site = siteOf.get(effect.container);
      if (effect.kind === 'promoted') {
        promoted = true;
        if (!site) problems.push(`${e.id}: promoted '${effect.container}', which is no container of the stack definition`);
        else promotions.push({ container: effect.container, site, at: effect.at, action: e.id });
      } else if (!links.has(effect.link) || !site) {
        problems.push(`${e.id}: repointed '${effect.link}' to '${effect.container}', which the stack definition does not have`);
      } else {
        // the repoint took effect after the proof's previous observed instant (or the action's start)
        repoints.push({ link: effect.link, container: effect.container, site, notBefore: effect.notBefore, at: effect.at, action: e.id });
      }
    }
    if (!promoted && e.action === FAILOVER_ACTION && e.stage === 'completed') problems.push(`${e.id} completed but its proof names no promotion`);
  }
  promotions.sort((a, b) => a.at - b.at);
  repoints.sort((a, b) => a.at - b.at);
  return { promotions, repoints, problems };
}

function iso(t: number): string {
  return new Date(t).toISOString();
}
