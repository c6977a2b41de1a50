/**
 * Which resource a successful create or update wrote, from whatever the server chose to send back. R4 lets servers
 * differ here: the body is the resource, nothing, or an OperationOutcome (`Prefer: return=`, http.html#ops); the
 * id and version are in `Location` (`[base]/[type]/[id]/_history/[vid]`, absolute or relative, http.html#create),
 * in the body, and the version in `ETag` (`W/"<vid>"`, http.html#versioning). In a transaction-response the same
 * lies in `entry.response.location`, `entry.fullUrl` or `entry.resource` (bundle.html, http.html#transaction).
 */

export interface WrittenIdentity {
  id: string;
  versionId?: string;
}

// FHIR id: [A-Za-z0-9\-\.]{1,64} (datatypes.html#id); a versionId is an id too, not necessarily a number
const ID = '[A-Za-z0-9\\-.]{1,64}';
const LOCATION_RE = new RegExp(`(?:^|/)([A-Z][A-Za-z]+)/(${ID})(?:/_history/(${ID}))?/?$`);
const ETAG_RE = new RegExp(`^(?:W/)?"(${ID})"$`);

/** `[base]/Type/id[/_history/vid]` (absolute or relative, query ignored) → its parts, when it names `type`. */
export function parseLocation(location: string | undefined, type: string): WrittenIdentity | undefined {
  if (!location) return undefined;
  const m = LOCATION_RE.exec(location.trim().replace(/[?#].*$/, ''));
  if (!m || m[1] !== type) return undefined;
  return m[3] ? { id: m[2]!, versionId: m[3] } : { id: m[2]! };
}

export function versionFromETag(etag: string | undefined): string | undefined {
  return etag ? ETAG_RE.exec(etag.trim())?.[1] : undefined;
}

type MaybeResource = { resourceType?: unknown; id?: unknown; meta?: { versionId?: unknown } } | undefined | null;

/** The body's id and version, only when the body is the written resource (not an OperationOutcome). */
function fromBody(body: MaybeResource, type: string): WrittenIdentity | undefined {
  if (!body || body.resourceType !== type || typeof body.id !== 'string' || body.id === '') return undefined;
  const v = body.meta?.versionId;
  return typeof v === 'string' && v !== '' ? { id: body.id, versionId: v } : { id: body.id };
}

function merge(...found: (WrittenIdentity | undefined)[]): WrittenIdentity | undefined {
  const id = found.find((f) => f)?.id;
  if (!id) return undefined;
  const versionId = found.find((f) => f?.id === id && f.versionId)?.versionId;
  return versionId ? { id, versionId } : { id };
}

/** From an HTTP create/update response; undefined when it names no resource of `type`. */
export function writtenIdentity(res: { body?: unknown; location?: string; etag?: string }, type: string): WrittenIdentity | undefined {
  const found = merge(fromBody(res.body as MaybeResource, type), parseLocation(res.location, type));
  if (!found) return undefined;
  const etagVersion = versionFromETag(res.etag);
  return found.versionId || !etagVersion ? found : { ...found, versionId: etagVersion };
}

export type TransactionResponseEntry = {
  fullUrl?: unknown;
  resource?: unknown;
  response?: { status?: unknown; location?: unknown; etag?: unknown };
};

/** The HTTP status code of a transaction/batch response entry (`"201 Created"`, or a bare `"201"`); NaN if absent. */
export function entryStatus(entry: TransactionResponseEntry): number {
  const s = entry.response?.status;
  return typeof s === 'string' ? Number.parseInt(s.trim(), 10) : Number.NaN;
}

/** From one entry of a transaction-response. */
export function entryIdentity(entry: TransactionResponseEntry, type: string): WrittenIdentity | undefined {
  const str = (v: unknown) => (typeof v === 'string' ? v : undefined);
  const found = merge(
    parseLocation(str(entry.response?.location), type),
    fromBody(entry.resource as MaybeResource, type),
    parseLocation(str(entry.fullUrl), type),
  );
  if (!found) return undefined;
  const etagVersion = versionFromETag(str(entry.response?.etag));
  return found.versionId || !etagVersion ? found : { ...found, versionId: etagVersion };
}
