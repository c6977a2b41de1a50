import { z } from 'zod';
import { describeIssues, InvalidInputError } from '../errors.js';
import { applyOptions, declaredOptions, optionValues, templateOriginSchema } from './options.js';
import { runbookSchema } from '../runbooks/schema.js';
import { referencedNames } from '../runbooks/variables.js';
import { AUTH_UNKNOWN_FIELD, linkAuthSchema } from './link-auth.js';

/**
 * A stack definition says, for ANY two-site EPJ (ours or a vendor's): which containers run at which site, which
 * clinical function is served behind which front door, and which links pass through Toxiproxy.
 *
 * Links: every link is a Toxiproxy proxy. A link named X with listenPort P is reachable from every site's network
 * as `toxiproxy:P`; `publish` also exposes it on 127.0.0.1 (a fixed port, or `true` for a free one).
 */

export const CLINICAL_FUNCTIONS = [
  'journal-lookup',
  'clinical-note',
  'admission',
  'discharge',
  'referral',
  'e-prescription',
  'read-only-lookup',
] as const;
export type ClinicalFunction = (typeof CLINICAL_FUNCTIONS)[number];

const name = z
  .string()
  .regex(/^[a-z][a-z0-9-]{0,30}$/, 'lower-case letters, digits and dashes, starting with a letter, at most 31');
const port = z.number().int().min(1).max(65535);

const scalarText = z.union([z.string(), z.number(), z.boolean()]).transform(String);

const readyCommon = { timeoutMs: z.number().int().positive().default(60_000) };
export const readyCheckSchema = z.discriminatedUnion('kind', [
  /** the database behind `link` accepts a connection and answers `SELECT 1` */
  z.strictObject({ kind: z.literal('postgres'), link: name, user: z.string().default('postgres'), ...readyCommon }),
  /** the primary behind `primaryLink` reports `applicationName` as streaming in pg_stat_replication */
  z.strictObject({
    kind: z.literal('postgres-streaming'),
    primaryLink: name,
    applicationName: z.string(),
    user: z.string().default('postgres'),
    ...readyCommon,
  }),
  /** GET `path` through `link` answers `status` */
  z.strictObject({
    kind: z.literal('http'),
    link: name,
    path: z.string().startsWith('/'),
    status: z.number().int().default(200),
    ...readyCommon,
  }),
]);
export type ReadyCheck = z.infer<typeof readyCheckSchema>;

// Objects are strict: a misspelt field (`dependOn`, `listen_port`) is refused, not silently dropped.
export const containerSchema = z.strictObject({
  name,
  /** what the container is for, in words (shown in reports and by `stack definition`) */
  description: z.string().optional(),
  site: name,
  /** what the container is, e.g. db-primary, db-replica, epj, epj-standby, lookup; faults pick targets by it */
  role: name,
  image: z.string().min(1),
  // Docker takes text: a number or a flag written bare (or set by an option, "${workers}") is its text
  env: z.record(z.string(), scalarText).default({}),
  command: z.array(scalarText).optional(),
  volumes: z.array(z.strictObject({ name, path: z.string().startsWith('/') })).default([]),
  dependsOn: z
    .array(z.strictObject({ container: name, condition: z.enum(['started', 'ready']).default('ready') }))
    .default([]),
  ready: readyCheckSchema.optional(),
  /**
   * `false`: `up` creates the container but does not start it, and its readiness is not awaited until something
   * starts it — a standby application server that may only boot after its database is promoted (a runbook's
   * `container` step starts it; its boot is measured failover work)
   */
  startAtUp: z.boolean().default(true),
});
export type ContainerSpec = z.infer<typeof containerSchema>;

export const LINK_KINDS = ['front-door', 'app-db', 'replication', 'integration', 'admin'] as const;
/** the kinds of link the harness itself sends requests through (so the only ones an `auth` means anything on) */
const LINKS_THE_HARNESS_CALLS: readonly (typeof LINK_KINDS)[number][] = ['front-door', 'admin'];

export const linkSchema = z.strictObject({
  name,
  description: z.string().optional(),
  /**
   * what kind of traffic: clinicians' front door, app→db, db→db replication, app→integration engine (the national
   * endpoints some writes must reach before they commit), or the harness's own access
   */
  kind: z.enum(LINK_KINDS),
  listenPort: port.refine((p) => p !== 8474, 'port 8474 is the Toxiproxy API'),
  upstream: z.strictObject({ container: name, port }),
  /** the site the traffic comes from; absent for clinicians and the harness */
  fromSite: name.optional(),
  publish: z.union([z.boolean(), port]).default(false),
  /** the FHIR base path behind this link, when the server's base is not its root (HAPI FHIR: `/fhir`) */
  basePath: z.string().regex(/^(\/[A-Za-z0-9._~-]+)+$/, 'a path like /fhir or /baseR4: segments, no trailing slash').optional(),
  /**
   * how the harness authenticates to the endpoint behind this link — a bearer token from an environment variable,
   * TLS with a CA, a client certificate, a server name (harness/stack/link-auth.ts); only for links the harness calls
   */
  auth: linkAuthSchema.optional(),
});
export type LinkSpec = z.infer<typeof linkSchema>;

export const stackDefinitionSchema = z.strictObject({
  name,
  description: z.string().optional(),
  /**
   * The load this stack takes, as a share of an experiment's load profile (each function's rate times this): a
   * stack that one server of a kind serves, or a slower one, is driven at what it can take.
   */
  loadScale: z.number().positive().max(100).default(1),
  /**
   * How long the load runs before the steady-state gate starts judging (wall ms): a server that compiles its hot
   * paths as it serves (a JVM) is slow on its first requests, which says nothing about the outage to come
   */
  warmUpMs: z.number().int().min(0).max(600_000).default(0),
  /** where a definition with options came from, and the values it was resolved with (harness/stack/options.ts) */
  template: templateOriginSchema.optional(),
  sites: z.array(z.strictObject({ id: name, name: z.string().min(1) })).min(1),
  containers: z.array(containerSchema).min(1),
  links: z.array(linkSchema).default([]),
  /** which published link serves each clinical function */
  functions: z.partialRecord(z.enum(CLINICAL_FUNCTIONS), z.strictObject({ link: name })).default({}),
  /**
   * What the person on call does for each operator action (failover, failback, start-lookup, stop-lookup, fence,
   * or one of the vendor's own), as ordered steps the harness performs with proof (harness/runbooks/schema.ts)
   */
  runbooks: z.record(name, runbookSchema).default({}),
});
export type StackDefinition = z.infer<typeof stackDefinitionSchema>;
export type StackDefinitionInput = z.input<typeof stackDefinitionSchema>;

/**
 * Parses and cross-checks a definition; every problem is named, with its field, in one InvalidInputError.
 * `source` (a file name) says where the definition came from.
 */
export function parseStackDefinition(input: unknown, source?: string): StackDefinition {
  const from = source ? ` (${source})` : '';
  const parsed = stackDefinitionSchema.safeParse(withDefaultOptions(input, source));
  if (!parsed.success) {
    const lines = describeIssues(parsed.error.issues, (parent) =>
      parent === 'functions'
        ? `unknown clinical function (known: ${CLINICAL_FUNCTIONS.join(', ')})`
        : /^links\.\d+\.auth(\.tls)?$/.test(parent)
          ? AUTH_UNKNOWN_FIELD
          : 'unknown field',
    );
    throw new InvalidInputError(`invalid stack definition${from}:\n${lines.map((l) => `  - ${l}`).join('\n')}`);
  }
  const def = parsed.data;
  const problems = crossCheck(def);
  if (problems.length > 0) {
    throw new InvalidInputError(`invalid stack definition '${def.name}'${from}:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
  }
  return def;
}

/** A definition that declares options, resolved with their defaults (harness/stack/options.ts); any other as it is. */
function withDefaultOptions(input: unknown, source?: string): unknown {
  const declared = declaredOptions(input, source ? ` (${source})` : '');
  if (!declared) return input;
  const def = input as Record<string, unknown>;
  const values = optionValues(declared, {}, String(def.name));
  return applyOptions(def, values, source ? { file: source } : {}, source ? ` (${source})` : '');
}

function crossCheck(def: StackDefinition): string[] {
  const problems: string[] = [];
  const dup = (what: string, values: (string | number)[]) => {
    const seen = new Set<string | number>();
    for (const v of values) {
      if (seen.has(v)) problems.push(`${what} '${v}' is used twice`);
      seen.add(v);
    }
  };
  dup('site id', def.sites.map((s) => s.id));
  dup('container name', def.containers.map((c) => c.name));
  dup('link name', def.links.map((l) => l.name));
  dup('link listenPort', def.links.map((l) => l.listenPort));
  dup('published port', def.links.flatMap((l) => (typeof l.publish === 'number' ? [l.publish] : [])));

  const sites = new Set(def.sites.map((s) => s.id));
  const containers = new Map(def.containers.map((c) => [c.name, c]));
  const links = new Map(def.links.map((l) => [l.name, l]));
  const publishedLink = (ref: string, where: string) => {
    const l = links.get(ref);
    if (!l) problems.push(`${where} names link '${ref}', which is not defined`);
    else if (l.publish === false) problems.push(`${where} names link '${ref}', which is not published`);
  };

  for (const c of def.containers) {
    if (!sites.has(c.site)) problems.push(`container '${c.name}' is at site '${c.site}', which is not defined`);
    for (const d of c.dependsOn) {
      if (!containers.has(d.container)) problems.push(`container '${c.name}' depends on unknown container '${d.container}'`);
      else if (!containers.get(d.container)!.startAtUp) problems.push(`container '${c.name}' depends on '${d.container}', which is not started at up (startAtUp: false)`);
      else if (d.condition === 'ready' && !containers.get(d.container)?.ready)
        problems.push(`container '${c.name}' waits for '${d.container}' to be ready, but '${d.container}' has no ready check`);
    }
    if (c.ready?.kind === 'postgres-streaming') publishedLink(c.ready.primaryLink, `ready check of '${c.name}'`);
    else if (c.ready) publishedLink(c.ready.link, `ready check of '${c.name}'`);
  }
  for (const l of def.links) {
    if (!containers.has(l.upstream.container)) problems.push(`link '${l.name}' points at unknown container '${l.upstream.container}'`);
    if (l.fromSite && !sites.has(l.fromSite)) problems.push(`link '${l.name}' comes from unknown site '${l.fromSite}'`);
    // auth is how the harness calls a link; containers' own connections (app-db, replication, integration) are theirs
    if (l.auth && !LINKS_THE_HARNESS_CALLS.includes(l.kind)) problems.push(`link '${l.name}' has auth, but the harness never calls ${l.kind} links (auth goes on front-door and admin links)`);
    else if (l.auth && l.publish === false) problems.push(`link '${l.name}' has auth, but is not published: the harness reaches only published links`);
  }
  for (const [fn, target] of Object.entries(def.functions)) publishedLink(target.link, `function '${fn}'`);

  for (const [book, r] of Object.entries(def.runbooks)) {
    const captured = new Set<string>();
    r.steps.forEach((step, i) => {
      const at = `runbook '${book}' step ${i + 1} '${step.name}'`;
      const container = (ref: string) => {
        if (!containers.has(ref)) problems.push(`${at} names container '${ref}', which is not defined`);
      };
      if (step.sql) publishedLink(step.sql.link, at);
      if (step.http) publishedLink(step.http.link, at);
      if (step.repoint) {
        if (!links.has(step.repoint.link)) problems.push(`${at} repoints link '${step.repoint.link}', which is not defined`);
        container(step.repoint.to.container);
      }
      for (const ref of [step.exec?.container, step.container?.name, step.oneOff?.container, step.upgrade?.container, step.effect?.promoted]) if (ref) container(ref);
      if (step.ready) {
        container(step.ready.container);
        if (containers.has(step.ready.container) && !containers.get(step.ready.container)!.ready) problems.push(`${at} waits for '${step.ready.container}' to be ready, but it has no ready check`);
      }
      if (step.proveWrite && !(step.proveWrite.function in def.functions)) problems.push(`${at} proves writes through '${step.proveWrite.function}', which no front door serves`);
      for (const ref of referencedNames({ ...step, capture: undefined })) {
        if (!captured.has(ref)) problems.push(`${at} uses {{${ref}…}}, which no earlier step captures`);
      }
      if (step.capture) captured.add(step.capture);
    });
  }

  const cycle = findCycle(def.containers);
  if (cycle) problems.push(`dependency cycle: ${cycle.join(' → ')}`);
  return problems;
}

function findCycle(containers: ContainerSpec[]): string[] | undefined {
  const deps = new Map(containers.map((c) => [c.name, c.dependsOn.map((d) => d.container)]));
  const state = new Map<string, 'visiting' | 'done'>();
  const path: string[] = [];
  const visit = (n: string): string[] | undefined => {
    if (state.get(n) === 'done') return undefined;
    if (state.get(n) === 'visiting') return [...path.slice(path.indexOf(n)), n];
    state.set(n, 'visiting');
    path.push(n);
    for (const d of deps.get(n) ?? []) {
      const c = visit(d);
      if (c) return c;
    }
    path.pop();
    state.set(n, 'done');
    return undefined;
  };
  for (const c of containers) {
    const found = visit(c.name);
    if (found) return found;
  }
  return undefined;
}
