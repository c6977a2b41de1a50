import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One request the fake server saw. */
export interface SeenRequest {
  method: string;
  /** path and query, as sent on the wire */
  url: string;
  headers: IncomingHttpHeaders;
  body: string;
}

export interface FakeAnswer {
  status: number;
  headers?: Record<string, string>;
  /** an object is sent as JSON; undefined sends no body */
  body?: unknown;
}

export interface FakeFhirServer {
  /** http://127.0.0.1:<port> */
  origin: string;
  requests: SeenRequest[];
  close(): Promise<void>;
}

/** A FHIR server stand-in on 127.0.0.1 that answers each request with `answer` (synthetic data only). */
export async function startFakeFhirServer(answer: (req: SeenRequest) => FakeAnswer): Promise<FakeFhirServer> {
  const requests: SeenRequest[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const seen = { method: req.method ?? '', url: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks).toString('utf8') };
      requests.push(seen);
      const a = answer(seen);
      const text = a.body === undefined ? '' : typeof a.body === 'string' ? a.body : JSON.stringify(a.body);
      res.writeHead(a.status, { ...(text ? { 'content-type': 'application/fhir+json;charset=UTF-8' } : {}), ...a.headers });
      res.end(text);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    origin: `http://127.0.0.1:${port}`,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections(); // fetch keeps connections alive
      }),
  };
}
