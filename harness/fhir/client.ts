import { FhirEndpoint } from './endpoint.js';
import { matchEntries } from './search-paging.js';
import { writtenIdentity } from './written-identity.js';

/**
 * A small FHIR R4 REST client (fetch): enough for the clinical functions, with the outcome of every call kept —
 * status, resource id, version — because the harness measures exactly which writes were acknowledged.
 * docs/fhir-conformance.md says what it expects of a server, and why.
 */

export type Resource = { resourceType: string; id?: string; meta?: { versionId?: string }; [k: string]: unknown };

export interface FhirResponse<T = Resource> {
  status: number;
  ok: boolean;
  body: T | undefined;
  etag?: string;
  location?: string;
}

export class FhirError extends Error {
  constructor(
    readonly status: number,
    readonly outcome: unknown,
    what: string,
  ) {
    super(`${what} answered ${status}: ${diagnostics(outcome)}`);
  }
}

function diagnostics(outcome: unknown): string {
  const issues = (outcome as { issue?: { diagnostics?: string; code?: string }[] })?.issue;
  return issues?.map((i) => i.diagnostics ?? i.code).join('; ') || 'no OperationOutcome';
}

export class FhirClient {
  readonly endpoint: FhirEndpoint;

  constructor(
    /** a stack's endpoint (StartedStack.functionEndpoint: its URL, token and TLS), or a base URL without auth */
    endpoint: string | FhirEndpoint,
    private readonly timeoutMs = 5000,
  ) {
    this.endpoint = FhirEndpoint.of(endpoint, 'FHIR client');
  }

  get baseUrl(): string {
    return this.endpoint.url;
  }

  async request<T = Resource>(method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<FhirResponse<T>> {
    const res = await this.endpoint.fetch(`/${path.replace(/^\//, '')}`, {
      method,
      headers: {
        accept: 'application/fhir+json',
        ...(body === undefined ? {} : { 'content-type': 'application/fhir+json' }),
        ...headers,
      },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(this.timeoutMs),
    });
    const text = await res.text();
    let parsed: T | undefined;
    try {
      parsed = text ? (JSON.parse(text) as T) : undefined;
    } catch {
      parsed = undefined;
    }
    return {
      status: res.status,
      ok: res.ok,
      body: parsed,
      etag: res.headers.get('etag') ?? undefined,
      location: res.headers.get('location') ?? undefined,
    };
  }

  /**
   * Creates a resource; throws FhirError unless the server acknowledged it (2xx: 201, or 200 when If-None-Exist
   * matched) and named it, in the body or in `Location`. With no body (`Prefer: return=minimal`, or a server's
   * default), what was sent comes back with the server's id and version.
   */
  async create<T extends Resource>(resource: T, ifNoneExist?: string): Promise<T & { id: string }> {
    const res = await this.request<T>('POST', resource.resourceType, resource, ifNoneExist ? { 'if-none-exist': ifNoneExist } : {});
    const written = res.ok ? writtenIdentity(res, resource.resourceType) : undefined;
    if (!written) throw new FhirError(res.status, res.body, `POST ${resource.resourceType}`);
    if (res.body?.resourceType === resource.resourceType && res.body.id === written.id) return res.body as T & { id: string };
    return { ...resource, id: written.id, ...(written.versionId ? { meta: { ...resource.meta, versionId: written.versionId } } : {}) };
  }

  async read<T extends Resource>(type: string, id: string): Promise<FhirResponse<T>> {
    return this.request<T>('GET', `${type}/${encodeURIComponent(id)}`);
  }

  /** Search; returns the resources of the first page (paging: harness/fhir/search-paging.ts). */
  async search<T extends Resource>(type: string, params: Record<string, string>): Promise<T[]> {
    const res = await this.request<{ entry?: { resource: T; search?: { mode?: string } }[] }>('GET', `${type}?${new URLSearchParams(params)}`);
    if (!res.ok) throw new FhirError(res.status, res.body, `GET ${type}`);
    return matchEntries(res.body?.entry).map((e) => e.resource);
  }
}
