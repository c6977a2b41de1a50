import { isIP } from 'node:net';
import path from 'node:path';
import { z } from 'zod';

/**
 * How the harness authenticates to a FHIR endpoint behind a published link: a bearer token and/or TLS (a CA to
 * trust, a client certificate to present, the server name to verify). The definition holds only WHERE these are —
 * an environment variable's name, file paths — never a token or a key: a definition is printed, recorded in every
 * journal and carried in a Docker label (harness/stack/started-stack.ts). What they hold is read when the harness
 * calls the endpoint (harness/fhir/link-credentials.ts), and checked before any container starts.
 */

const envName = z
  .string()
  .regex(/^[A-Za-z_][A-Za-z0-9_]{0,127}$/, 'the NAME of an environment variable that holds the token (letters, digits and _), never the token itself');

const filePath = z.string().min(1, 'a file path').refine((p) => !p.includes('\0'), 'a file path');

// SNI names a host by DNS name (RFC 6066 §3: "Literal IPv4 and IPv6 addresses are not permitted")
const serverName = z
  .string()
  .regex(/^(?=.{1,253}$)[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$/, 'a DNS name the server\'s certificate is issued to (no scheme, port or path)')
  .refine((n) => isIP(n) === 0, 'a DNS name, not an IP address (TLS sends no IP address as a server name)');

export const linkTlsSchema = z
  .strictObject({
    /** PEM file of the CA(s) the server's certificate must chain to (default: the system's CAs) */
    ca: filePath.optional(),
    /** PEM file of the client certificate to present (mutual TLS); needs `key` */
    cert: filePath.optional(),
    /** PEM file of the client certificate's private key; needs `cert` */
    key: filePath.optional(),
    /** the name the server's certificate must carry, sent as SNI (default: 127.0.0.1, which few certificates name) */
    servername: serverName.optional(),
  })
  .superRefine((tls, ctx) => {
    if (tls.cert !== undefined && tls.key === undefined) ctx.addIssue({ code: 'custom', path: ['key'], message: 'a client certificate (cert) needs its private key (key)' });
    if (tls.key !== undefined && tls.cert === undefined) ctx.addIssue({ code: 'custom', path: ['cert'], message: 'a private key (key) needs its client certificate (cert)' });
  });

export const linkAuthSchema = z
  .strictObject({
    /** the environment variable holding the bearer token sent as `Authorization: Bearer <token>` */
    bearerTokenEnv: envName.optional(),
    /** the link speaks TLS: the harness calls it over https */
    tls: linkTlsSchema.optional(),
  })
  .refine((a) => a.bearerTokenEnv !== undefined || a.tls !== undefined, 'name a bearerTokenEnv, a tls, or both');
export type LinkAuth = z.infer<typeof linkAuthSchema>;
export type LinkTls = z.infer<typeof linkTlsSchema>;

/** What `unknown field` under `auth` most likely means: a token or a key written into the definition. */
export const AUTH_UNKNOWN_FIELD =
  'unknown field (auth takes bearerTokenEnv — the NAME of an environment variable holding the token, never the token — and tls: ca, cert, key, servername, as file paths)';

export const TLS_FILE_FIELDS = ['ca', 'cert', 'key'] as const;

/**
 * A definition source with every relative TLS file path of its links made absolute against `dir` (the directory of
 * the file the definition was read from), so a definition means the same files wherever the harness runs from.
 * Anything not shaped like a link's auth is left for the schema to judge. Returns `source` itself when nothing
 * changes.
 */
export function anchorAuthPaths<T>(source: T, dir: string): T {
  const links = (source as { links?: unknown })?.links;
  if (!Array.isArray(links)) return source;
  let changed = false;
  const anchored = links.map((link: unknown) => {
    const tls = (link as { auth?: { tls?: unknown } })?.auth?.tls;
    if (tls === null || typeof tls !== 'object' || Array.isArray(tls)) return link;
    const files = Object.fromEntries(
      TLS_FILE_FIELDS.flatMap((f) => {
        const p = (tls as Record<string, unknown>)[f];
        return typeof p === 'string' && p !== '' && !path.isAbsolute(p) ? [[f, path.resolve(dir, p)]] : [];
      }),
    );
    if (Object.keys(files).length === 0) return link;
    changed = true;
    const l = link as { auth: Record<string, unknown> };
    return { ...l, auth: { ...l.auth, tls: { ...(tls as object), ...files } } };
  });
  return changed ? ({ ...(source as object), links: anchored } as T) : source;
}
