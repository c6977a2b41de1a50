import { FhirEndpoint } from '../../fhir/endpoint.js';

/**
 * GET `path` on `target` (a URL, or a link's endpoint and a path from its root, with the link's TLS and token:
 * harness/fhir/endpoint.ts) answers `status` within a second.
 */
export async function httpAnswers(target: string | FhirEndpoint, status: number, path = ''): Promise<boolean> {
  const endpoint = FhirEndpoint.of(target, 'readiness check');
  const res = await endpoint.fetch(path, { signal: AbortSignal.timeout(1000) });
  await res.body?.cancel();
  if (res.status !== status) throw new Error(`GET ${endpoint.resolve(path)} answered ${res.status}`);
  return true;
}
