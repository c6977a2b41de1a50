import http from 'node:http';
import https from 'node:https';
import { FhirEndpoint, tlsFailure } from '../fhir/endpoint.js';

export interface FreshResponse {
  status: number;
  body: string;
}

export interface FreshRequestOptions {
  /** relative to the endpoint's base (`Basic`, `Basic?identifier=…`); default its base */
  path?: string;
  method?: string;
  body?: string;
  headers?: Record<string, string>;
  timeoutMs: number;
}

/**
 * One HTTP request on a new connection, with one deadline for all of it (connect, TLS, send, answer). New, because
 * Toxiproxy keeps connections it holds under a toxic, and closes them when the toxic goes or a front door is
 * repointed: a pooled keep-alive connection would report that history instead of what the link does now (the same
 * reason as test/support/http-probe.ts). `target` is a link's endpoint (its token and TLS go with the request:
 * harness/fhir/endpoint.ts) or a loopback URL. Rejects on a network error or the deadline; any status resolves.
 */
export function freshRequest(target: string | FhirEndpoint, opts: FreshRequestOptions): Promise<FreshResponse> {
  const endpoint = FhirEndpoint.of(target, 'probe request');
  const url = endpoint.assertOwn(endpoint.resolve(opts.path), 'probe request');
  const options: https.RequestOptions = { method: opts.method ?? 'GET', agent: false, headers: endpoint.headers(opts.headers) };
  const send = (answered: (res: http.IncomingMessage) => void) =>
    url.startsWith('https:') ? https.request(url, { ...options, ...endpoint.tls }, answered) : http.request(url, options, answered);
  return new Promise((resolve, reject) => {
    const fail = (err: Error) => reject(tlsFailure(err, endpoint) ?? err);
    const req = send((res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        clearTimeout(deadline);
        resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') });
      });
      res.on('error', (err) => {
        clearTimeout(deadline);
        fail(err);
      });
      res.on('close', () => {
        clearTimeout(deadline);
        if (!res.complete) reject(new Error('the connection closed mid-answer'));
      });
    });
    const deadline = setTimeout(() => req.destroy(new Error(`no answer within ${opts.timeoutMs} ms`)), opts.timeoutMs);
    req.on('error', (err) => {
      clearTimeout(deadline);
      fail(err);
    });
    req.end(opts.body);
  });
}
