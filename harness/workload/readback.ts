import { HarnessError } from '../errors.js';
import { WRITE_ID_SYSTEM } from '../fhir/resources.js';
import { assertLoopback } from './loopback.js';

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
  timeoutMs?: number;
  signal?: AbortSignal;
}

/**
 * Which of the given writes are present at a site: `identifier=urn:epj-chaos:write-id|a,…` OR-searches of ≤ 100
 * ids per request, per resource type. A resource carrying several write ids (an admitted, then discharged
 * Encounter) yields one entry per requested id it carries. Any search that does not answer 200 with a complete
 * Bundle fails the whole read-back: a partial answer would report present writes as lost.
 */
export async function readBack(
  baseUrl: string,
  writeIds: Readonly<Record<string, readonly string[]>> | ReadonlyMap<string, readonly string[]>,
  opts: ReadBackOptions = {},
): Promise<ReadBackEntry[]> {
  const base = assertLoopback(baseUrl, 'read-back');
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
 * The same read-back at several sites at once — site id → a FHIR base URL that reaches that site's EPJ (the old
 * primary's through a door no failover repointed, the new primary's through the EPJ front door) — so a write can be
 * placed: present at one site, absent at the other, is what a split brain leaves (harness/checkers/split-brain.ts).
 * Each site's read-back fails whole, as `readBack` does.
 */
export async function readBackSites(
  sites: Readonly<Record<string, string>>,
  writeIds: Readonly<Record<string, readonly string[]>> | ReadonlyMap<string, readonly string[]>,
  opts: ReadBackOptions = {},
): Promise<Record<string, ReadBackEntry[]>> {
  const read = await Promise.all(Object.entries(sites).map(async ([site, url]) => [site, await readBack(url, writeIds, opts)] as const));
  return Object.fromEntries(read);
}

type Bundle = {
  resourceType?: string;
  total?: number;
  entry?: { resource?: { resourceType?: string; id?: string; identifier?: { system?: string; value?: string }[] } }[];
};

async function search(base: string, type: string, ids: string[], opts: ReadBackOptions): Promise<ReadBackEntry[]> {
  const query = new URLSearchParams({ identifier: ids.map((id) => `${WRITE_ID_SYSTEM}|${id}`).join(','), _count: '1000' });
  const url = `${base}/${type}?${query}`;
  const signals = [AbortSignal.timeout(opts.timeoutMs ?? 30_000), ...(opts.signal ? [opts.signal] : [])];
  let res: Response;
  try {
    res = await fetch(url, { headers: { accept: 'application/fhir+json' }, signal: AbortSignal.any(signals) });
  } catch (err) {
    throw new HarnessError(`read-back of ${ids.length} ${type} writes at ${base} failed: ${(err as Error).message}`, 'readback-failed');
  }
  const text = await res.text();
  if (res.status !== 200) {
    throw new HarnessError(`read-back of ${ids.length} ${type} writes at ${base} answered ${res.status}: ${text.slice(0, 300)}`, 'readback-failed');
  }
  const bundle = JSON.parse(text) as Bundle;
  const entries = bundle.entry ?? [];
  if (bundle.resourceType !== 'Bundle' || (bundle.total !== undefined && bundle.total > entries.length)) {
    throw new HarnessError(`read-back of ${type} at ${base}: incomplete search result (${entries.length} of ${bundle.total})`, 'readback-failed');
  }
  const wanted = new Set(ids);
  const out: ReadBackEntry[] = [];
  for (const e of entries) {
    const r = e.resource;
    if (!r?.id) continue;
    for (const ident of r.identifier ?? []) {
      if (ident.system === WRITE_ID_SYSTEM && ident.value && wanted.has(ident.value)) {
        out.push({ writeId: ident.value, resourceId: r.id, resourceType: r.resourceType ?? type });
      }
    }
  }
  return out;
}
