import type { FaultSpec } from '../faults/registry.js';
import type { ContainerSelector, LinkSelector } from '../faults/targets.js';
import { parseDuration } from './duration.js';

/**
 * The fault library in an experiment's words, durations as text. Each returns the spec harness/faults/registry.ts
 * builds and checks; `fault(kind, params)` reaches any kind the registry has.
 */

export function fault(kind: string, params: Record<string, unknown> = {}): FaultSpec {
  return { kind, ...params };
}

export interface SitePowerStory {
  site: string;
  /** the generator starts after this long, or fails (default: it fails, as in the incident) */
  generatorStartsAfter?: string | number | 'never';
  /** how long the UPS carries the site after the mains fail */
  ups: string | number;
  /** when the mains come back, after they failed */
  mainsBackAfter: string | number;
  /** after power is back: when each component comes up (`core-switch` or a container), or that it does not */
  boot?: { component: string; after: string | number; returns?: boolean }[];
}

export function sitePower(story: SitePowerStory): FaultSpec {
  const starts = story.generatorStartsAfter !== undefined && story.generatorStartsAfter !== 'never';
  return fault('site-power', {
    site: story.site,
    generator: starts ? { starts: true, startAfterMs: parseDuration(story.generatorStartsAfter as string | number, 'generatorStartsAfter') } : { starts: false },
    upsRuntimeMs: parseDuration(story.ups, 'ups'),
    mainsRestoredAfterMs: parseDuration(story.mainsBackAfter, 'mainsBackAfter'),
    boot: (story.boot ?? []).map((b) => ({ component: b.component, afterMs: parseDuration(b.after, `boot of ${b.component}`), returns: b.returns ?? true })),
  });
}

/** every link between the sites, replication included (blackholed: connections hang; down: refused) */
export const wanCut = (mode: 'blackhole' | 'down' = 'blackhole'): FaultSpec => fault('wan-cut', { mode });
/** the site's containers lose their network while they keep running */
export const coreSwitch = (site: string, mode: 'disconnect' | 'blackhole' = 'disconnect'): FaultSpec => fault('core-switch', { site, mode });
export const siteIsolation = (site: string, mode: 'blackhole' | 'down' = 'blackhole'): FaultSpec => fault('site-isolation', { site, mode });
export const clientPartition = (site: string, mode: 'blackhole' | 'down' = 'blackhole'): FaultSpec => fault('client-partition', { site, mode });
export const replicationLag = (latency: string | number, jitter: string | number = 0): FaultSpec =>
  fault('replication-lag', { latencyMs: parseDuration(latency, 'replication latency'), jitterMs: parseDuration(jitter, 'replication jitter') });
export const containerKill = (target: ContainerSelector): FaultSpec => fault('container-kill', { target });
export const containerPause = (target: ContainerSelector): FaultSpec => fault('container-pause', { target });
export const blackhole = (target: LinkSelector): FaultSpec => fault('blackhole', { target });
export const linkDown = (target: LinkSelector): FaultSpec => fault('link-down', { target });
export const latency = (target: LinkSelector, delay: string | number, jitter: string | number = 0): FaultSpec =>
  fault('latency', { target, latencyMs: parseDuration(delay, 'latency'), jitterMs: parseDuration(jitter, 'jitter') });
