import type { StackDefinitionInput } from './definition.js';
import { bundledDefinitionSource, resolveDefinition } from './load-definition.js';
import type { OptionValue } from './options.js';

/**
 * The bundled two-site EPJ (docs/architecture.md) is a definition file like a vendor's, fixtures/stacks/reference.json,
 * read through the same path (harness/stack/load-definition.ts); this is its typed door for experiments and tests.
 * Its options: `replication` (async as in the incident, or a synchronous_commit level with the replica as synchronous
 * standby), `integrations` (the integration engine at site A only, or at each site), the two front doors' ports,
 * each component's image and the load scale.
 */

export const REPLICATION_MODES = ['async', 'remote_write', 'on', 'remote_apply'] as const;
export type ReplicationMode = (typeof REPLICATION_MODES)[number];

export const INTEGRATION_PLACEMENTS = ['site-a', 'each-site'] as const;
export type IntegrationPlacement = (typeof INTEGRATION_PLACEMENTS)[number];

export interface ReferenceStackOptions {
  /** `async` (default, as in the incident) or a synchronous_commit level with the replica as synchronous standby */
  replication?: string;
  /** fixed 127.0.0.1 port for the EPJ front door (default: a free one) */
  epjPort?: number;
  /** fixed 127.0.0.1 port for the Opslags-EPJ front door (default: a free one) */
  lookupPort?: number;
  /** where the integration engine runs: `site-a` (default: site B's calls cross the WAN) or `each-site` */
  integrations?: string;
  /** any other option the definition declares (`epj-chaos stack definition` lists them) */
  [option: string]: OptionValue | undefined;
}

export const REFERENCE_STACK = 'reference';

export function referenceStack(opts: ReferenceStackOptions = {}): StackDefinitionInput {
  return resolveDefinition(bundledDefinitionSource(REFERENCE_STACK), opts, { bundled: REFERENCE_STACK });
}
