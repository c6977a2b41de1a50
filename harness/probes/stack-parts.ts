import type { ClinicalFunction, LinkSpec, StackDefinition } from '../stack/definition.js';
import { WRITE_FUNCTIONS } from '../workload/profile.js';

/**
 * What a probe needs of a stack, found by what things ARE in its definition (link kinds, the functions front doors
 * serve) — never by the reference stack's container names, so the same probe measures a vendor's stack.
 */

/** A database the harness can reach by SQL: an app-db or replication link leads to it, and an admin link is published to it. */
export interface DatabaseAccess {
  container: string;
  adminLink: string;
}

export interface DatabaseParts {
  databases: DatabaseAccess[];
  /** databases without a published admin link: the harness cannot read them by SQL */
  unreachable: string[];
}

/** Containers that app-db or replication links lead to: the stack's databases. */
export function databaseContainers(def: StackDefinition): string[] {
  return [...new Set(def.links.filter((l) => l.kind === 'app-db' || l.kind === 'replication').map((l) => l.upstream.container))];
}

export function databasesOf(def: StackDefinition): DatabaseParts {
  const databases: DatabaseAccess[] = [];
  const unreachable: string[] = [];
  for (const container of databaseContainers(def)) {
    const admin = def.links.find((l) => l.kind === 'admin' && l.upstream.container === container && l.publish !== false);
    if (admin) databases.push({ container, adminLink: admin.name });
    else unreachable.push(container);
  }
  return { databases, unreachable };
}

/** A front door: the published link serving a clinical function, and the container behind it. */
export interface FrontDoor {
  fn: ClinicalFunction;
  link: string;
  container: string;
}

function frontDoor(def: StackDefinition, fn: ClinicalFunction): FrontDoor | undefined {
  const link = def.functions[fn]?.link;
  const spec = link ? def.links.find((l) => l.name === link) : undefined;
  return spec ? { fn, link: spec.name, container: spec.upstream.container } : undefined;
}

/** The read-only front door (Opslags-EPJ): the link serving `read-only-lookup`, if the stack has one. */
export function readOnlyFrontDoor(def: StackDefinition): FrontDoor | undefined {
  return frontDoor(def, 'read-only-lookup');
}

/** The EPJ's write front door: the link serving the first write function the stack serves (clinical-note first). */
export function writeFrontDoor(def: StackDefinition): FrontDoor | undefined {
  for (const fn of WRITE_FUNCTIONS) {
    const door = frontDoor(def, fn);
    if (door) return door;
  }
  return undefined;
}

/**
 * A front door straight to the write front door's EPJ that serves no clinical function: what clients nobody told
 * about a failover still use, since no failover repoints it (the reference stack's `a-epj-front`). Undefined when
 * the stack has none.
 */
export function unroutedWriteDoor(def: StackDefinition): LinkSpec | undefined {
  const front = writeFrontDoor(def);
  if (!front) return undefined;
  const routed = new Set(Object.values(def.functions).map((f) => f?.link));
  return def.links.find((l) => l.kind === 'front-door' && !routed.has(l.name) && l.upstream.container === front.container);
}
