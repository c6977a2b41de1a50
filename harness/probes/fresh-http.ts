import http from 'node:http';
import { assertLoopback } from '../workload/loopback.js';

export interface FreshResponse {
  status: number;
  body: string;
}

/**
 * One HTTP request on a new connection, with one deadline for all of it (connect, send, answer). New, because
 * Toxiproxy keeps connections it holds under a toxic, and closes them when the toxic goes or a front door is
 * repointed: a pooled keep-alive connection would report that history instead of what the link does now (the same
 * reason as test/support/http-probe.ts). Rejects on a network error or the deadline; any status resolves.
 */
export function freshRequest(url: string, opts: { method?: string; body?: string; headers?: Record<string, string>; timeoutMs: number }): Promise<FreshResponse> {
  assertLoopback(url, 'probe request');
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method: opts.method ?? 'GET', agent: false, headers: opts.headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        clearTimeout(deadline);
        resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') });
      });
      res.on('error', (err) => {
        clearTimeout(deadline);
        reject(err);
      });
      res.on('close', () => {
        clearTimeout(deadline);
        if (!res.complete) reject(new Error('the connection closed mid-answer'));
      });
    });
    const deadline = setTimeout(() => req.destroy(new Error(`no answer within ${opts.timeoutMs} ms`)), opts.timeoutMs);
    req.on('error', (err) => {
      clearTimeout(deadline);
      reject(err);
    });
    req.end(opts.body);
  });
}
