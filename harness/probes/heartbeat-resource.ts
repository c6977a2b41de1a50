import type { Resource } from '../fhir/client.js';

/**
 * The heartbeat as FHIR sees it: a `Basic` resource (FHIR R4's resource for what no other type fits; not clinical
 * data, no subject) written through the EPJ front door and searched at a read-only one. Any R4 server takes it:
 * Basic, identifier search and `_sort=-_lastUpdated` are all in the base specification.
 *
 * Two identifiers: `urn:epj-chaos:heartbeat` carries the write instant (ISO 8601, ms), and
 * `urn:epj-chaos:heartbeat-series` the probe that wrote it — so one probe never mistakes an earlier probe's last
 * heartbeat on the same stack for its own.
 */

export const HEARTBEAT_SYSTEM = 'urn:epj-chaos:heartbeat';
export const HEARTBEAT_SERIES_SYSTEM = 'urn:epj-chaos:heartbeat-series';

export function heartbeatResource(series: string, writtenAt: number): Resource {
  return {
    resourceType: 'Basic',
    identifier: [
      { system: HEARTBEAT_SYSTEM, value: new Date(writtenAt).toISOString() },
      { system: HEARTBEAT_SERIES_SYSTEM, value: series },
    ],
    code: {
      coding: [{ system: HEARTBEAT_SYSTEM, code: 'heartbeat', display: 'epj-chaos heartbeat' }],
      text: 'epj-chaos staleness heartbeat (not clinical data)',
    },
  };
}

/**
 * The search for a series' newest heartbeats. A few, not one: two heartbeats in flight at once may get their
 * lastUpdated stamps in the other order, and the newest write instant among them is what counts.
 */
export function newestHeartbeatsQuery(series: string): string {
  const q = new URLSearchParams({ identifier: `${HEARTBEAT_SERIES_SYSTEM}|${series}`, _sort: '-_lastUpdated', _count: '3' });
  return `Basic?${q}`;
}

type SearchBundle = { resourceType?: unknown; entry?: { resource?: { identifier?: { system?: unknown; value?: unknown }[] } }[] };

/** The newest write instant (epoch ms) in a search result; null when it holds no heartbeat. Throws on a non-Bundle. */
export function newestHeartbeatIn(body: unknown): number | null {
  const bundle = body as SearchBundle;
  if (bundle?.resourceType !== 'Bundle') throw new Error('the heartbeat search did not answer a Bundle');
  let newest: number | null = null;
  for (const e of bundle.entry ?? []) {
    for (const id of e.resource?.identifier ?? []) {
      if (id.system !== HEARTBEAT_SYSTEM || typeof id.value !== 'string') continue;
      const at = Date.parse(id.value);
      if (Number.isFinite(at) && (newest === null || at > newest)) newest = at;
    }
  }
  return newest;
}
