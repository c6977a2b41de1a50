import { InvalidInputError } from '../errors.js';

/** The project's network rule: load, seeding and read-back go only to loopback ports the harness published. */
export function assertLoopback(baseUrl: string, what: string): string {
  let url: URL;
  try {
    url = new URL(baseUrl);
  } catch {
    throw new InvalidInputError(`${what}: '${baseUrl}' is not a URL`);
  }
  const host = url.hostname.replace(/^\[|\]$/g, '');
  if (!['127.0.0.1', 'localhost', '::1'].includes(host) || !/^https?:$/.test(url.protocol)) {
    throw new InvalidInputError(
      `${what}: '${baseUrl}' is not a loopback http(s) URL`,
      'the harness sends traffic only to 127.0.0.1, localhost or ::1 (ports published by its own containers)',
    );
  }
  return baseUrl.replace(/\/+$/, '');
}
