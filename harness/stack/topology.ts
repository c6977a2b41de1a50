import { InvalidInputError } from '../errors.js';
import type { ContainerSpec, LinkSpec, StackDefinition } from './definition.js';

/**
 * The databases the probes work with, found by their ROLE in the stack definition (`db-primary`, `db-replica`) and
 * by what links do (an `admin` link to a container, the `replication` link a replica streams through) — never by
 * the reference stack's names, so a probe reads the same on a vendor's stack that declares the same roles. (What
 * an operator does to them is the definition's runbooks: harness/runbooks/.)
 */

export interface SiteDatabase {
  container: string;
  site: string;
  /** the published admin link the harness runs SQL through */
  adminLink: string;
  /** where the cluster keeps its data: the container's volume (rebuilding it as a replica mounts that volume) */
  dataDir: string | undefined;
  /**
   * the name it streams under when it is a replica (pg_stat_replication.application_name and its slot): the
   * replica's from its readiness check; the primary's, should it become a replica after a failover, its container
   * name with `_` for `-` (how the reference image names it)
   */
  applicationName: string;
}

export interface DatabaseTopology {
  primary: SiteDatabase;
  replica: SiteDatabase;
  /** the link the replica streams through from the primary (kind `replication`, upstream the primary) */
  replicationLink: LinkSpec;
  /** the reverse, from the primary's site to the replica: the old primary streams through it after a failover */
  reverseReplicationLink: LinkSpec | undefined;
}

function byRole(def: StackDefinition, role: string, wanted: string): ContainerSpec {
  const found = def.containers.filter((c) => c.role === role);
  if (found.length !== 1) {
    throw new InvalidInputError(
      `stack '${def.name}' has ${found.length === 0 ? 'no container' : `${found.length} containers`} with role '${role}' (${wanted}); exactly one is needed`,
      `give ${wanted} \`role: '${role}'\` in the stack definition`,
    );
  }
  return found[0]!;
}

function adminLinkOf(def: StackDefinition, container: string): LinkSpec {
  const link = def.links.find((l) => l.kind === 'admin' && l.upstream.container === container && l.publish !== false);
  if (!link) throw new InvalidInputError(`stack '${def.name}': no published admin link to '${container}'`, `add a link of kind 'admin' with upstream '${container}'`);
  return link;
}

function database(def: StackDefinition, c: ContainerSpec, applicationName: string): SiteDatabase {
  return { container: c.name, site: c.site, adminLink: adminLinkOf(def, c.name).name, dataDir: c.volumes[0]?.path, applicationName };
}

/** The primary database, its replica, and the replication links between their sites. */
export function databaseTopology(def: StackDefinition): DatabaseTopology {
  const primary = byRole(def, 'db-primary', 'the primary database');
  const replica = byRole(def, 'db-replica', 'the replica database');
  const streamsAs = replica.ready?.kind === 'postgres-streaming' ? replica.ready.applicationName : replica.name.replace(/-/g, '_');
  const replicationLink = def.links.find((l) => l.kind === 'replication' && l.upstream.container === primary.name && (l.fromSite ?? replica.site) === replica.site);
  if (!replicationLink) {
    throw new InvalidInputError(`stack '${def.name}': no replication link from site '${replica.site}' to '${primary.name}'`, `add a link of kind 'replication' with upstream '${primary.name}'`);
  }
  return {
    primary: database(def, primary, primary.name.replace(/-/g, '_')),
    replica: database(def, replica, streamsAs),
    replicationLink,
    reverseReplicationLink: def.links.find((l) => l.kind === 'replication' && l.upstream.container === replica.name && (l.fromSite ?? primary.site) === primary.site),
  };
}
