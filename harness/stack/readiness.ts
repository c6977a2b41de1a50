import type { FhirEndpoint } from '../fhir/endpoint.js';
import type { ReadyCheck } from './definition.js';
import { httpAnswers } from './wait/for-http.js';
import { postgresAnswers, replicaStreaming } from './wait/for-postgres.js';
import { pollUntil } from './wait/poll.js';

/**
 * A container's readiness check, polled until it passes: used by `up`, and again after faults are healed to see
 * that the stack is back in its steady state (database answers, replica streaming, health endpoints green).
 */
export function waitReady(
  name: string,
  check: ReadyCheck,
  portOf: (link: string) => number,
  o: {
    timeoutMs?: number;
    signal?: AbortSignal;
    alive?: () => Promise<void>;
    /** a link's root with its TLS and token (harness/fhir/endpoint.ts); without it, plain http to the link's port */
    endpointOf?: (link: string) => FhirEndpoint;
  } = {},
): Promise<number> {
  const opts = { timeoutMs: o.timeoutMs ?? check.timeoutMs, signal: o.signal, alive: o.alive };
  switch (check.kind) {
    case 'postgres':
      return pollUntil(`${name} (database accepts connections)`, () => postgresAnswers(portOf(check.link), check.user), opts);
    case 'postgres-streaming':
      return pollUntil(`${name} (replica streaming)`, () => replicaStreaming(portOf(check.primaryLink), check.user, check.applicationName), opts);
    case 'http':
      return pollUntil(
        `${name} (GET ${check.path} → ${check.status})`,
        () => httpAnswers(o.endpointOf ? o.endpointOf(check.link) : `http://127.0.0.1:${portOf(check.link)}`, check.status, check.path),
        opts,
      );
  }
}
