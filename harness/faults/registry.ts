import { z } from 'zod';
import { describeIssues, InvalidInputError } from '../errors.js';
import type { Fault } from './fault.js';
import { ContainerDisconnect } from './container/disconnect.js';
import { ContainerKill } from './container/kill.js';
import { ContainerPause } from './container/pause.js';
import { ContainerRestart } from './container/restart.js';
import { ContainerStop } from './container/stop.js';
import { CompositeFault } from './composite/composite.js';
import { SitePower, sitePowerSchema } from './composite/site-power.js';
import { Bandwidth } from './link/bandwidth.js';
import { Blackhole } from './link/blackhole.js';
import { LinkDown } from './link/down.js';
import { Latency } from './link/latency.js';
import { LimitData } from './link/limit-data.js';
import { ResetPeer } from './link/reset-peer.js';
import { Slicer } from './link/slicer.js';
import { containerSelectorSchema, linkSelectorSchema } from './targets.js';

/**
 * Every fault kind by name, with the schema of its parameters — so a stack definition, a scenario file or an
 * experiment can name faults, and bad parameters are refused before anything is injected.
 */

const ms = z.number().nonnegative();
const toxicOptions = {
  stream: z.enum(['upstream', 'downstream', 'both']).default('both'),
  toxicity: z.number().min(0).max(1).default(1),
};
const linkParams = (extra: z.ZodRawShape) => z.object({ target: linkSelectorSchema, ...toxicOptions, ...extra }).strict();
const containerParams = (extra: z.ZodRawShape = {}) => z.object({ target: containerSelectorSchema, ...extra }).strict();
const cutMode = z.enum(['blackhole', 'down']).default('blackhole');

function cut(kind: string, target: z.infer<typeof linkSelectorSchema>, mode: 'blackhole' | 'down', stream: 'upstream' | 'downstream' | 'both' = 'both'): Fault {
  if (mode === 'down') return new CompositeFault(kind, [new LinkDown(target)]);
  return new Blackhole(target, { stream }, kind);
}

const kinds = {
  'container-kill': { schema: containerParams(), create: (p: { target: z.infer<typeof containerSelectorSchema> }) => new ContainerKill(p.target) },
  'container-stop': { schema: containerParams({ timeoutSeconds: z.number().int().nonnegative().default(10) }), create: (p: { target: z.infer<typeof containerSelectorSchema>; timeoutSeconds: number }) => new ContainerStop(p.target, p.timeoutSeconds) },
  'container-pause': { schema: containerParams(), create: (p: { target: z.infer<typeof containerSelectorSchema> }) => new ContainerPause(p.target) },
  'container-restart': { schema: containerParams({ timeoutSeconds: z.number().int().nonnegative().default(10) }), create: (p: { target: z.infer<typeof containerSelectorSchema>; timeoutSeconds: number }) => new ContainerRestart(p.target, p.timeoutSeconds) },
  'container-disconnect': { schema: containerParams(), create: (p: { target: z.infer<typeof containerSelectorSchema> }) => new ContainerDisconnect(p.target) },
  latency: { schema: linkParams({ latencyMs: ms, jitterMs: ms.default(0) }), create: (p: LinkP & { latencyMs: number; jitterMs: number }) => new Latency(p.target, p.latencyMs, p.jitterMs, p) },
  bandwidth: { schema: linkParams({ rateKBps: z.number().int().nonnegative() }), create: (p: LinkP & { rateKBps: number }) => new Bandwidth(p.target, p.rateKBps, p) },
  blackhole: { schema: linkParams({}), create: (p: LinkP) => new Blackhole(p.target, p) },
  'reset-peer': { schema: linkParams({ timeoutMs: ms.default(0) }), create: (p: LinkP & { timeoutMs: number }) => new ResetPeer(p.target, p.timeoutMs, p) },
  'link-down': { schema: z.object({ target: linkSelectorSchema }).strict(), create: (p: { target: z.infer<typeof linkSelectorSchema> }) => new LinkDown(p.target) },
  slicer: { schema: linkParams({ averageSize: z.number().int().positive(), sizeVariation: z.number().int().nonnegative().default(0), delayMicros: z.number().int().nonnegative().default(0) }), create: (p: LinkP & { averageSize: number; sizeVariation: number; delayMicros: number }) => new Slicer(p.target, p.averageSize, p.sizeVariation, p.delayMicros, p) },
  'limit-data': { schema: linkParams({ bytes: z.number().int().nonnegative() }), create: (p: LinkP & { bytes: number }) => new LimitData(p.target, p.bytes, p) },

  'site-power': { schema: sitePowerSchema.strict(), create: (p: z.input<typeof sitePowerSchema>) => new SitePower(p) },
  /** the site's network is gone for its containers while they keep running */
  'core-switch': {
    schema: z.object({ site: z.string(), mode: z.enum(['disconnect', 'blackhole']).default('disconnect') }).strict(),
    create: (p: { site: string; mode: 'disconnect' | 'blackhole' }) => (p.mode === 'disconnect' ? new ContainerDisconnect({ site: p.site }, 'core-switch') : new Blackhole({ site: p.site }, {}, 'core-switch')),
  },
  /** every link between the sites (replication included) */
  'wan-cut': { schema: z.object({ mode: cutMode }).strict(), create: (p: { mode: 'blackhole' | 'down' }) => cut('wan-cut', { crossSite: true }, p.mode) },
  /** every link from or to the site, clinicians' front doors included */
  'site-isolation': { schema: z.object({ site: z.string(), mode: cutMode }).strict(), create: (p: { site: string; mode: 'blackhole' | 'down' }) => cut('site-isolation', { site: p.site }, p.mode) },
  /** one direction only: `upstream` stops client → server bytes, `downstream` server → client */
  'asymmetric-partition': {
    schema: z.object({ target: linkSelectorSchema.default({ crossSite: true }), direction: z.enum(['upstream', 'downstream']) }).strict(),
    create: (p: { target: z.infer<typeof linkSelectorSchema>; direction: 'upstream' | 'downstream' }) => cut('asymmetric-partition', p.target, 'blackhole', p.direction),
  },
  /** clinicians cannot reach the site's front doors; the sites still see each other */
  'client-partition': { schema: z.object({ site: z.string(), mode: cutMode }).strict(), create: (p: { site: string; mode: 'blackhole' | 'down' }) => cut('client-partition', { kind: 'front-door', site: p.site }, p.mode) },
  /** latency (± jitter) and optionally a bandwidth cap on the replication links only */
  'replication-lag': {
    schema: z.object({ latencyMs: ms, jitterMs: ms.default(0), rateKBps: z.number().int().positive().optional() }).strict(),
    create: (p: { latencyMs: number; jitterMs: number; rateKBps?: number }) =>
      new CompositeFault('replication-lag', [
        new Latency({ kind: 'replication' }, p.latencyMs, p.jitterMs),
        ...(p.rateKBps ? [new Bandwidth({ kind: 'replication' }, p.rateKBps)] : []),
      ]),
  },
  /** correlated failure (cooling, a shared feed): both sites lose power, each comes back on its own time */
  'both-sites-down': {
    schema: z.object({ sites: z.array(z.object({ site: z.string(), restoredAfterMs: ms })).min(2) }).strict(),
    create: (p: { sites: { site: string; restoredAfterMs: number }[] }) =>
      new CompositeFault(
        'both-sites-down',
        p.sites.map((s) => new SitePower({ site: s.site, upsRuntimeMs: 0, mainsRestoredAfterMs: s.restoredAfterMs, generator: { starts: false, startAfterMs: 0 } })),
      ),
  },
} as const;

type LinkP = { target: z.infer<typeof linkSelectorSchema>; stream: 'upstream' | 'downstream' | 'both'; toxicity: number };

export type FaultKind = keyof typeof kinds;
export const FAULT_KINDS = Object.keys(kinds) as FaultKind[];

export interface FaultSpec {
  kind: string;
  [param: string]: unknown;
}

/** Builds a fault from its name and parameters; unknown kinds and bad parameters are InvalidInputErrors. */
export function createFault(spec: FaultSpec): Fault {
  const { kind, ...params } = spec;
  const entry = (kinds as Record<string, { schema: z.ZodType; create: (p: never) => Fault }>)[kind];
  if (!entry) throw new InvalidInputError(`unknown fault kind '${kind}'`, `known kinds: ${FAULT_KINDS.join(', ')}`);
  const parsed = entry.schema.safeParse(params);
  if (!parsed.success) {
    throw new InvalidInputError(`fault '${kind}': ${describeIssues(parsed.error.issues, () => `unknown parameter of '${kind}'`).join('; ')}`);
  }
  return entry.create(parsed.data as never);
}
