import http from 'node:http';

/**
 * One GET on a fresh connection, with a deadline: what a new client sees of a link (status, or how it failed,
 * and how long it took). Fresh, because Toxiproxy closes connections it held when a toxic is removed, and a
 * pooled connection would report that instead of the link's state now.
 */
export function probe(url: string, timeoutMs = 1500): Promise<{ outcome: string; ms: number }> {
  const t0 = performance.now();
  return new Promise((resolve) => {
    const done = (outcome: string) => resolve({ outcome, ms: performance.now() - t0 });
    const req = http.get(url, { agent: false, timeout: timeoutMs }, (res) => {
      res.resume();
      res.on('end', () => done(String(res.statusCode)));
      res.on('error', (err: NodeJS.ErrnoException) => done(err.code ?? 'error'));
    });
    req.on('timeout', () => {
      req.destroy();
      done('timeout');
    });
    req.on('error', (err: NodeJS.ErrnoException) => done(err.code ?? err.message));
  });
}
