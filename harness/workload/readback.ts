import { HarnessError } from '../errors.js';
import { WRITE_ID_SYSTEM } from '../fhir/resources.js';
import { matchEntries, nextPageUrl } from '../fhir/search-paging.js';
import { FhirEndpoint } from '../fhir/endpoint.js';

export interface ReadBackEntry {
  writeId: string;
  resourceId: string;
  resourceType: string;
}

export interface ReadBackOptions {
  /** write ids per search request (default and maximum 100) */
  batchSize?: number;
  /** searches in flight at once (default 4) */
  concurrency?: number;
  /** deadline of each page request, ms (default 30 000) */
  timeoutMs?: number;
  /** pages one search may take before the read-back gives up as incomplete (default 100: one match per page) */
  maxPages?: number;
  signal?: AbortSignal;
}

/**
 * Which of the given writes are present at a site: `identifier=urn:epj-chaos:write-id|a,…` OR-searches of ≤ 100
 * ids per request, per resource type, following `link[relation=next]` through every page (rebased onto the
 * endpoint's base, its origin only: harness/fhir/search-paging.ts, harness/fhir/endpoint.ts). A resource carrying
 * several write ids (an admitted, then discharged Encounter) yields one entry per requested id it carries. Any page that does not answer 200 with a Bundle, fewer
 * matches than a `Bundle.total` the server gave, or more than `maxPages` pages fail the whole read-back: a partial
 * answer would report present writes as lost.
 */
export async function readBack(
  target: string | FhirEndpoint,
  writeIds: Readonly<Record<string, readonly string[]>> | ReadonlyMap<string, readonly string[]>,
  opts: ReadBackOptions = {},
): Promise<ReadBackEntry[]> {
  const base = FhirEndpoint.of(target, 'read-back');
  const size = Math.min(100, Math.max(1, opts.batchSize ?? 100));
  const byType: [string, readonly string[]][] =
    writeIds instanceof Map ? [...(writeIds as ReadonlyMap<string, readonly string[]>).entries()] : Object.entries(writeIds as Record<string, readonly string[]>);
  const jobs: { type: string; ids: string[] }[] = [];
  for (const [type, ids] of byType) {
    if (!/^[A-Z][A-Za-z]+$/.test(type)) throw new HarnessError(`read-back: '${type}' is not a resource type`, 'invalid-input');
    const unique = [...new Set(ids)];
    for (let i = 0; i < unique.length; i += size) jobs.push({ type, ids: unique.slice(i, i + size) });
  }
  const found: ReadBackEntry[][] = new Array(jobs.length);
  let next = 0;
  const worker = async () => {
    while (next < jobs.length) {
      const i = next++;
      found[i] = await search(base, jobs[i]!.type, jobs[i]!.ids, opts);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(opts.concurrency ?? 4, jobs.length)) }, worker));
  return found.flat();
}

/**
 * The same read-back at several sites at once — site id → a FHIR endpoint that reaches that site's EPJ (the old
 * primary's through a door no failover repointed, the new primary's through the EPJ front door) — so a write can be
 * placed: present at one site, absent at the other, is what a split brain leaves (harness/checkers/split-brain.ts).
 * Each site's read-back fails whole, as `readBack` does.
 */
export async function readBackSites(
  sites: Readonly<Record<string, string | FhirEndpoint>>,
  writeIds: Readonly<Record<string, readonly string[]>> | ReadonlyMap<string, readonly string[]>,
  opts: ReadBackOptions = {},
): Promise<Record<string, ReadBackEntry[]>> {
  const read = await Promise.all(Object.entries(sites).map(async ([site, url]) => [site, await readBack(url, writeIds, opts)] as const));
  return Object.fromEntries(read);
}

type Bundle = {
  resourceType?: string;
  total?: number;
  link?: { relation?: string; url?: string }[];
  entry?: {
    search?: { mode?: string };
    resource?: { resourceType?: string; id?: string; identifier?: { system?: string; value?: string }[] };
  }[];
};

async function search(base: FhirEndpoint, type: string, ids: string[], opts: ReadBackOptions): Promise<ReadBackEntry[]> {
  // _count=1000: every match on one page where the server allows it (our EPJ's maximum, fixtures/epj/conditional.go)
  const query = new URLSearchParams({ identifier: ids.map((id) => `${WRITE_ID_SYSTEM}|${id}`).join(','), _count: '1000' });
  const what = `read-back of ${ids.length} ${type} writes at ${base.url}`;
  const maxPages = Math.max(1, opts.maxPages ?? 100);
  const wanted = new Set(ids);
  const found = new Map<string, ReadBackEntry>();
  const visited = new Set<string>();
  let url: string | undefined = base.resolve(`${type}?${query}`);
  let matches = 0;
  let total: number | undefined;
  for (let page = 1; url; page++) {
    if (page > maxPages) throw new HarnessError(`${what}: incomplete search result (more than ${maxPages} pages)`, 'readback-failed');
    if (visited.has(url)) throw new HarnessError(`${what}: page ${page} links back to an earlier page (${url})`, 'readback-failed');
    visited.add(url);
    const bundle = await fetchPage(base, base.assertOwn(url, 'read-back'), what, opts);
    // Bundle.total is optional (bundle.html); when given, it is the number of matches over all pages
    if (page === 1 && typeof bundle.total === 'number') total = bundle.total;
    const entries = matchEntries(bundle.entry);
    matches += entries.length;
    for (const e of entries) {
      const r = e.resource;
      if (!r?.id) continue;
      for (const ident of r.identifier ?? []) {
        if (ident.system === WRITE_ID_SYSTEM && ident.value && wanted.has(ident.value)) {
          const entry = { writeId: ident.value, resourceId: r.id, resourceType: r.resourceType ?? type };
          found.set(`${entry.writeId}\u0000${entry.resourceType}/${entry.resourceId}`, entry); // a resource seen on two pages counts once
        }
      }
    }
    url = nextPageUrl(bundle, url, base.url, type);
  }
  if (total !== undefined && total > matches) {
    throw new HarnessError(`read-back of ${type} at ${base.url}: incomplete search result (${matches} of ${total})`, 'readback-failed');
  }
  return [...found.values()];
}

async function fetchPage(base: FhirEndpoint, url: string, what: string, opts: ReadBackOptions): Promise<Bundle> {
  const signals = [AbortSignal.timeout(opts.timeoutMs ?? 30_000), ...(opts.signal ? [opts.signal] : [])];
  let res: Response;
  let text: string;
  try {
    res = await base.fetch(url, { headers: { accept: 'application/fhir+json' }, signal: AbortSignal.any(signals) });
    text = await res.text();
  } catch (err) {
    throw new HarnessError(`${what} failed: ${(err as Error).message}`, 'readback-failed');
  }
  if (res.status !== 200) {
    throw new HarnessError(`${what} answered ${res.status}: ${text.slice(0, 300)}`, 'readback-failed');
  }
  let bundle: Bundle;
  try {
    bundle = JSON.parse(text) as Bundle;
  } catch {
    throw new HarnessError(`${what}: the answer is not JSON: ${text.slice(0, 300)}`, 'readback-failed');
  }
  if (bundle?.resourceType !== 'Bundle') throw new HarnessError(`${what}: the answer is not a Bundle`, 'readback-failed');
  return bundle;
}
