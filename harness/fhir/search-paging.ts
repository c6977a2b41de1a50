/**
 * Reading an R4 searchset across its pages (http.html#paging, search.html#count): a server may return fewer entries
 * than `_count` asked for and link the rest with `link[relation=next]`; `Bundle.total` is optional; entries may be
 * included resources or an OperationOutcome (`search.mode` include/outcome) besides the matches.
 */

export type SearchsetPage = {
  resourceType?: unknown;
  total?: unknown;
  link?: { relation?: unknown; url?: unknown }[];
  entry?: { search?: { mode?: unknown }; resource?: unknown }[];
};

/** The entries that matched the search: `search.mode` match, or no mode at all (servers may leave it out). */
export function matchEntries<E extends { search?: { mode?: unknown } }>(entries: readonly E[] | undefined): E[] {
  return (entries ?? []).filter((e) => e.search?.mode === undefined || e.search.mode === 'match');
}

function linkUrl(page: SearchsetPage, relation: string): string | undefined {
  const url = page.link?.find((l) => l.relation === relation)?.url;
  return typeof url === 'string' && url !== '' ? url : undefined;
}

/**
 * The server's own idea of its base path, read off the page's `self` link (`<base>/<type>?…` or
 * `<base>/<type>/_search?…`); undefined when there is no such link.
 */
function serverBasePath(page: SearchsetPage, pageUrl: string, type: string): string | undefined {
  const self = linkUrl(page, 'self');
  if (!self) return undefined;
  let path: string;
  try {
    path = new URL(self, pageUrl).pathname.replace(/\/+$/, '');
  } catch {
    return undefined;
  }
  for (const tail of [`/${type}`, `/${type}/_search`]) if (path.endsWith(tail)) return path.slice(0, -tail.length);
  return undefined;
}

/**
 * Where to fetch the next page, on the base URL the harness reaches the server by; undefined on the last page.
 * Servers write their own base into paging links (a configured address, or the Host they saw), which behind the
 * Toxiproxy front door is not the address the harness used. R4 makes the links opaque, so only the origin (and the
 * server's base path, read off the `self` link, when it differs from ours) is replaced: path rest and query are
 * kept exactly as the server wrote them.
 */
export function nextPageUrl(page: SearchsetPage, pageUrl: string, baseUrl: string, type: string): string | undefined {
  const next = linkUrl(page, 'next');
  if (!next) return undefined;
  const link = new URL(next, pageUrl);
  const ours = new URL(baseUrl);
  const oursPath = ours.pathname.replace(/\/+$/, '');
  const theirs = serverBasePath(page, pageUrl, type);
  let path = link.pathname;
  if (theirs !== undefined && (path === theirs || path.startsWith(`${theirs}/`))) path = oursPath + path.slice(theirs.length);
  return `${ours.origin}${path || '/'}${link.search}`;
}
