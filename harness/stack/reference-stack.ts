import { z } from 'zod';
import { InvalidInputError } from '../errors.js';
import { IMAGES } from '../images/catalog.js';
import type { StackDefinitionInput } from './definition.js';

/**
 * The bundled two-site EPJ (docs/architecture.md): site A (Holstebro) runs the EPJ on the primary database, site B (Skejby)
 * runs a streaming replica, a standby EPJ and Opslags-EPJ (read-only lookup). Every link passes through Toxiproxy.
 * No container waits for another to start: the EPJ connects lazily and the replica retries its primary, so all of
 * them start at once and readiness (database answers, replica streaming, /healthz green) is what `up` waits for.
 *
 * The integration engine (fixtures/integration-engine) stands in for the national endpoints; each writable EPJ calls
 * it through its own link before it stores an admission, discharge, referral or e-prescription. By default it runs
 * at site A only, as integrations often do: b-epj reaches it across the WAN, so after a failover with A gone those
 * four functions stay down. `integrations: 'each-site'` gives site B an engine of its own.
 */

export const REPLICATION_MODES = ['async', 'remote_write', 'on', 'remote_apply'] as const;
export type ReplicationMode = (typeof REPLICATION_MODES)[number];

export interface ReferenceStackOptions {
  /** `async` (default, as in the incident) or a synchronous_commit level with b-db as synchronous standby */
  replication?: string;
  /** fixed 127.0.0.1 port for the EPJ front door (default: a free one) */
  epjPort?: number;
  /** fixed 127.0.0.1 port for the Opslags-EPJ front door (default: a free one) */
  lookupPort?: number;
  /** where the integration engine runs: `site-a` (default: b-epj's calls cross the WAN) or `each-site` */
  integrations?: string;
}

export const INTEGRATION_PLACEMENTS = ['site-a', 'each-site'] as const;
export type IntegrationPlacement = (typeof INTEGRATION_PLACEMENTS)[number];

const PG_DATA = '/var/lib/epj-db/data';
const REPLICA_APP_NAME = 'b_db';

export function replicationMode(value: string | undefined): ReplicationMode {
  const parsed = z.enum(REPLICATION_MODES).safeParse(value ?? 'async');
  if (!parsed.success) {
    throw new InvalidInputError(
      `unknown replication mode '${value}'`,
      `use one of: ${REPLICATION_MODES.join(', ')}`,
    );
  }
  return parsed.data;
}

export function integrationPlacement(value: string | undefined): IntegrationPlacement {
  const parsed = z.enum(INTEGRATION_PLACEMENTS).safeParse(value ?? 'site-a');
  if (!parsed.success) {
    throw new InvalidInputError(`unknown integration placement '${value}'`, `use one of: ${INTEGRATION_PLACEMENTS.join(', ')}`);
  }
  return parsed.data;
}

export function referenceStack(opts: ReferenceStackOptions = {}): StackDefinitionInput {
  const mode = replicationMode(opts.replication);
  const eachSite = integrationPlacement(opts.integrations) === 'each-site';
  const syncFlags =
    mode === 'async'
      ? []
      : ['-c', `synchronous_commit=${mode}`, '-c', `synchronous_standby_names=${REPLICA_APP_NAME}`];
  const epjDb = (linkPort: number) => `postgres://epj@toxiproxy:${linkPort}/epj?sslmode=disable`;
  const epj = (site: string, mode: string, linkPort: number, integrationPort?: number) => ({
    EPJ_DATABASE_URL: epjDb(linkPort),
    EPJ_MODE: mode,
    EPJ_SITE: site,
    ...(integrationPort ? { EPJ_INTEGRATION_URL: `http://toxiproxy:${integrationPort}` } : {}),
  });
  const engine = (name: string, site: string, adminLink: string) => ({
    name,
    site,
    role: 'integration-engine',
    image: IMAGES.integrationEngine,
    env: { INTEGRATION_SITE: site.toUpperCase() },
    ready: { kind: 'http' as const, link: adminLink, path: '/healthz' },
  });

  return {
    name: 'reference',
    sites: [
      { id: 'a', name: 'Holstebro' },
      { id: 'b', name: 'Skejby' },
    ],
    containers: [
      {
        name: 'a-db',
        site: 'a',
        role: 'db-primary',
        image: IMAGES.postgres,
        env: { EPJ_DB_ROLE: 'primary' },
        command: syncFlags,
        volumes: [{ name: 'a-db-data', path: PG_DATA }],
        ready: { kind: 'postgres', link: 'a-db-admin' },
      },
      {
        name: 'b-db',
        site: 'b',
        role: 'db-replica',
        image: IMAGES.postgres,
        env: {
          EPJ_DB_ROLE: 'replica',
          EPJ_PRIMARY_HOST: 'toxiproxy',
          EPJ_PRIMARY_PORT: '5402',
          EPJ_APPLICATION_NAME: REPLICA_APP_NAME,
        },
        volumes: [{ name: 'b-db-data', path: PG_DATA }],
        // The replica retries its primary by itself, so it starts with everything else.
        ready: { kind: 'postgres-streaming', primaryLink: 'a-db-admin', applicationName: REPLICA_APP_NAME },
      },
      {
        name: 'a-epj',
        site: 'a',
        role: 'epj',
        image: IMAGES.epj,
        env: epj('A', 'readwrite', 5401, 7001),
        ready: { kind: 'http', link: 'a-epj-admin', path: '/healthz' },
      },
      {
        name: 'b-epj',
        site: 'b',
        role: 'epj-standby',
        image: IMAGES.epj,
        env: epj('B', 'standby', 5403, 7002),
        ready: { kind: 'http', link: 'b-epj-admin', path: '/healthz' },
      },
      {
        name: 'b-lookup',
        site: 'b',
        role: 'lookup',
        image: IMAGES.epj,
        env: epj('B', 'readonly', 5404),
        ready: { kind: 'http', link: 'b-lookup-admin', path: '/healthz' },
      },
      engine('a-integrations', 'a', 'a-integrations-admin'),
      ...(eachSite ? [engine('b-integrations', 'b', 'b-integrations-admin')] : []),
    ],
    links: [
      { name: 'epj-front', kind: 'front-door', listenPort: 8080, upstream: { container: 'a-epj', port: 8080 }, publish: opts.epjPort ?? true },
      { name: 'lookup-front', kind: 'front-door', listenPort: 8081, upstream: { container: 'b-lookup', port: 8080 }, publish: opts.lookupPort ?? true },
      // Site A's EPJ reached directly: clients configured with A's address, which no failover repoints ("clients
      // nobody told"). No clinical function is routed here; the split-brain test drives its own load through it.
      { name: 'a-epj-front', kind: 'front-door', listenPort: 8082, upstream: { container: 'a-epj', port: 8080 }, publish: true },
      { name: 'a-epj-db', kind: 'app-db', fromSite: 'a', listenPort: 5401, upstream: { container: 'a-db', port: 5432 } },
      { name: 'b-replication', kind: 'replication', fromSite: 'b', listenPort: 5402, upstream: { container: 'a-db', port: 5432 } },
      { name: 'b-epj-db', kind: 'app-db', fromSite: 'b', listenPort: 5403, upstream: { container: 'b-db', port: 5432 } },
      { name: 'b-lookup-db', kind: 'app-db', fromSite: 'b', listenPort: 5404, upstream: { container: 'b-db', port: 5432 } },
      // The reverse WAN link: after a failover a-db is rebuilt from, and then streams from, b-db (failback).
      { name: 'a-replication', kind: 'replication', fromSite: 'a', listenPort: 5405, upstream: { container: 'b-db', port: 5432 } },
      // Each writable EPJ's calls to the national endpoints; b-epj's cross the WAN unless site B has its own engine.
      { name: 'a-epj-integrations', kind: 'integration', fromSite: 'a', listenPort: 7001, upstream: { container: 'a-integrations', port: 8080 } },
      { name: 'b-epj-integrations', kind: 'integration', fromSite: 'b', listenPort: 7002, upstream: { container: eachSite ? 'b-integrations' : 'a-integrations', port: 8080 } },
      // The harness's own access (readiness, probes, operator actions); faults leave these alone.
      { name: 'a-db-admin', kind: 'admin', listenPort: 6001, upstream: { container: 'a-db', port: 5432 }, publish: true },
      { name: 'b-db-admin', kind: 'admin', listenPort: 6002, upstream: { container: 'b-db', port: 5432 }, publish: true },
      { name: 'a-epj-admin', kind: 'admin', listenPort: 6101, upstream: { container: 'a-epj', port: 8080 }, publish: true },
      { name: 'b-epj-admin', kind: 'admin', listenPort: 6102, upstream: { container: 'b-epj', port: 8080 }, publish: true },
      { name: 'b-lookup-admin', kind: 'admin', listenPort: 6103, upstream: { container: 'b-lookup', port: 8080 }, publish: true },
      { name: 'a-integrations-admin', kind: 'admin', listenPort: 6201, upstream: { container: 'a-integrations', port: 8080 }, publish: true },
      ...(eachSite
        ? [{ name: 'b-integrations-admin', kind: 'admin' as const, listenPort: 6202, upstream: { container: 'b-integrations', port: 8080 }, publish: true }]
        : []),
    ],
    functions: {
      'journal-lookup': { link: 'epj-front' },
      'clinical-note': { link: 'epj-front' },
      admission: { link: 'epj-front' },
      discharge: { link: 'epj-front' },
      referral: { link: 'epj-front' },
      'e-prescription': { link: 'epj-front' },
      'read-only-lookup': { link: 'lookup-front' },
    },
  };
}
