import { inspect } from 'node:util';
import type { Dispatcher } from 'undici';
import { HarnessError, InvalidInputError } from '../errors.js';
import { assertLoopback } from '../workload/loopback.js';
import type { LinkCredentials, TlsMaterial } from './link-credentials.js';

/**
 * The one way the harness calls a FHIR endpoint of a stack — the FHIR client, the seeding, the read-back, the
 * staleness probe, readiness checks: a loopback base URL (https when the link has `auth.tls`) with the link's
 * credentials (harness/fhir/link-credentials.ts). `fetch` adds the bearer token and the TLS dispatcher to a request
 * and sends it only to this endpoint's own origin, so a server-written URL can never carry the token elsewhere.
 * The token shows in no property: a serialised or inspected endpoint is its URL, its link and the names of what
 * authenticates it. A plain URL (`FhirEndpoint.of('http://127.0.0.1:8080')`) is an endpoint without auth.
 */
export class FhirEndpoint {
  /** the base URL, without a trailing slash */
  readonly url: string;
  readonly origin: string;

  constructor(
    url: string,
    readonly credentials?: LinkCredentials,
    /** what calls it, for messages (`seeding`, `read-back`, …) */
    what = 'FHIR endpoint',
  ) {
    this.url = assertLoopback(url, what);
    this.origin = new URL(this.url).origin;
    if (credentials?.tls && !this.url.startsWith('https:')) throw new InvalidInputError(`${what}: link '${credentials.link}' speaks TLS, but '${url}' is not an https URL`);
  }

  /** An endpoint as given: an endpoint stays itself, a URL is one without auth (checked to be loopback). */
  static of(target: string | FhirEndpoint, what = 'FHIR endpoint'): FhirEndpoint {
    return typeof target === 'string' ? new FhirEndpoint(target, undefined, what) : target;
  }

  /** the published link it reaches, when it came from a stack */
  get link(): string | undefined {
    return this.credentials?.link;
  }

  /** fetch's `dispatcher` (undici Agent with the link's TLS), or undefined for the default one */
  get dispatcher(): Dispatcher | undefined {
    return this.credentials?.dispatcher;
  }

  /** TLS material for node:https (a fresh-connection probe, harness/probes/fresh-http.ts), or undefined */
  get tls(): TlsMaterial | undefined {
    return this.credentials?.tls;
  }

  /** A request's headers: `extra`, and the link's `Authorization` when it has a bearer token (which wins). */
  headers(extra: Readonly<Record<string, string>> = {}): Record<string, string> {
    const authorization = this.credentials?.authorization();
    if (authorization === undefined) return { ...extra };
    const rest = Object.fromEntries(Object.entries(extra).filter(([name]) => name.toLowerCase() !== 'authorization'));
    return { ...rest, authorization };
  }

  /** `path` relative to the base (`Patient?identifier=…`, `/Basic`), or an absolute URL, as an absolute URL string. */
  resolve(pathOrUrl = ''): string {
    if (/^[a-z][a-z0-9+.-]*:/i.test(pathOrUrl)) return pathOrUrl;
    return pathOrUrl === '' ? this.url : `${this.url}/${pathOrUrl.replace(/^\/+/, '')}`;
  }

  /** `url` as a loopback URL on this endpoint's origin; anything else is refused before a byte is sent. */
  assertOwn(url: string, what = 'request'): string {
    const checked = assertLoopback(url, what);
    if (new URL(checked).origin !== this.origin) {
      throw new InvalidInputError(`${what}: '${url}' is not on ${this.origin}${this.link ? ` (link '${this.link}')` : ''}: the harness sends a link's requests, and its token, only there`);
    }
    return url;
  }

  /**
   * fetch() on this endpoint: `pathOrUrl` resolved against the base, the link's headers and TLS added. A TLS
   * failure (an untrusted or misnamed server certificate, a refused client certificate) is a HarnessError that
   * names the link and the field to fix; every other failure is fetch's own.
   */
  async fetch(pathOrUrl: string, init: Omit<RequestInit, 'headers'> & { headers?: Readonly<Record<string, string>> } = {}): Promise<Response> {
    const url = this.assertOwn(this.resolve(pathOrUrl));
    const dispatcher = this.dispatcher;
    try {
      return await fetch(url, { ...init, headers: this.headers(init.headers), ...(dispatcher ? { dispatcher } : {}) });
    } catch (err) {
      throw tlsFailure(err, this) ?? err;
    }
  }

  /** its URL and what authenticates it, never the token */
  toJSON(): object {
    return { url: this.url, ...(this.credentials ? { auth: this.credentials.toJSON() } : {}) };
  }

  [inspect.custom](): string {
    return `FhirEndpoint ${JSON.stringify(this.toJSON())}`;
  }
}

/** Node's codes for a server certificate the client does not trust (node:tls, OpenSSL's X509_V_ERR_* names). */
const UNTRUSTED = new Set([
  'SELF_SIGNED_CERT_IN_CHAIN',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'CERT_SIGNATURE_FAILURE',
  'CERT_UNTRUSTED',
]);

/**
 * A TLS failure of a request to `endpoint` as a HarnessError that says what to fix (in its message: callers that
 * wrap it keep only that), or undefined when `err` is not one. fetch wraps the socket's error as `cause`;
 * node:https gives it directly.
 */
export function tlsFailure(err: unknown, endpoint: FhirEndpoint): HarnessError | undefined {
  const cause = (err as { cause?: unknown })?.cause ?? err;
  const code = (cause as { code?: unknown })?.code;
  if (typeof code !== 'string') return undefined;
  const detail = `${code}: ${((cause as Error)?.message ?? '').split('\n')[0]}`;
  const where = `TLS to ${endpoint.origin}${endpoint.link ? ` (link '${endpoint.link}')` : ''}`;
  const failed = (what: string, fix?: string) => new HarnessError(`${where}: ${what} (${detail})${fix ? `; ${fix}` : ''}`, 'endpoint-tls');
  if (UNTRUSTED.has(code)) return failed("the server's certificate is not trusted", "give the CA that issued it as the link's auth.tls.ca");
  if (code === 'CERT_HAS_EXPIRED' || code === 'CERT_NOT_YET_VALID') return failed("the server's certificate is not valid now");
  if (code === 'ERR_TLS_CERT_ALTNAME_INVALID') {
    return failed(`the server's certificate is not issued to ${endpoint.tls?.servername ?? '127.0.0.1'}`, "set the link's auth.tls.servername to a name the certificate carries");
  }
  // the server's alert (certificate required, unknown CA, …) when it arrives; undici often reports only the socket's
  // close, which looks like any reset (a Toxiproxy fault too), so that stays fetch's own error
  if (code.startsWith('ERR_SSL_')) {
    if (/CERTIFICATE_REQUIRED/.test(code)) return failed('the server requires a client certificate', "give the link's auth.tls.cert and auth.tls.key");
    return failed('the handshake failed', endpoint.tls?.cert ? "check that the server accepts the link's client certificate (auth.tls.cert)" : undefined);
  }
  return undefined;
}
