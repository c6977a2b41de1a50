import { createServer, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from 'node:http';
import { createServer as createTlsServer, type ServerOptions } from 'node:https';
import type { AddressInfo } from 'node:net';
import type { TLSSocket } from 'node:tls';

/** One request the fake server saw. */
export interface SeenRequest {
  method: string;
  /** path and query, as sent on the wire */
  url: string;
  headers: IncomingHttpHeaders;
  body: string;
  /** the common name of the client certificate presented over TLS, if any */
  clientCertificate?: string;
}

export interface FakeAnswer {
  status: number;
  headers?: Record<string, string>;
  /** an object is sent as JSON; undefined sends no body */
  body?: unknown;
}

export interface FakeFhirServer {
  /** http://127.0.0.1:<port> (https with `tls`) */
  origin: string;
  requests: SeenRequest[];
  close(): Promise<void>;
}

/**
 * A FHIR server stand-in on 127.0.0.1 that answers each request with `answer` (synthetic data only); with `tls`
 * (key, cert, and for mutual TLS ca and requestCert), an https one. `holdUntil` may return a promise the answer
 * waits for (an EPJ that stalls).
 */
export async function startFakeFhirServer(answer: (req: SeenRequest) => FakeAnswer, tls?: ServerOptions, holdUntil?: (req: SeenRequest) => Promise<void> | undefined): Promise<FakeFhirServer> {
  const requests: SeenRequest[] = [];
  const handle = (req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const peer = tls ? (req.socket as TLSSocket).getPeerCertificate() : undefined;
      const cn = peer?.subject?.CN;
      const clientCertificate = Array.isArray(cn) ? cn.join(',') : cn;
      const seen = { method: req.method ?? '', url: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks).toString('utf8'), ...(clientCertificate ? { clientCertificate } : {}) };
      requests.push(seen);
      const send = () => {
        const a = answer(seen);
        const text = a.body === undefined ? '' : typeof a.body === 'string' ? a.body : JSON.stringify(a.body);
        res.writeHead(a.status, { ...(text ? { 'content-type': 'application/fhir+json;charset=UTF-8' } : {}), ...a.headers });
        res.end(text);
      };
      const held = holdUntil?.(seen);
      if (held) void held.then(send);
      else send();
    });
  };
  const server = tls ? createTlsServer(tls, handle) : createServer(handle);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    origin: `${tls ? 'https' : 'http'}://127.0.0.1:${port}`,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections(); // fetch keeps connections alive
      }),
  };
}
