import type { FhirEndpoint } from '../fhir/endpoint.js';
import type { ClinicalFunction } from '../stack/definition.js';

/** How epj-load authenticates to one target (harness/workload/epj-load/auth.go reads it). */
export interface EpjLoadAuth {
  /** the variable of epj-load's own environment that holds the token: EPJ_LOAD_TOKEN_<n> */
  bearerTokenEnv?: string;
  /** absolute paths of PEM files, and the server name to verify; epj-load reads the files itself */
  tls?: { ca?: string; cert?: string; key?: string; serverName?: string };
}

export const EPJ_LOAD_TOKEN_PREFIX = 'EPJ_LOAD_TOKEN_';

/**
 * What epj-load is told about its targets' credentials. The config (which a failing run may print, and which is
 * written to epj-load's stdin) holds variable names and file paths only; the tokens travel in `env`, the whole of
 * epj-load's otherwise empty environment — one variable per link, however many functions go through it.
 */
export function epjLoadAuth(targets: Readonly<Partial<Record<ClinicalFunction, FhirEndpoint>>>): {
  auth: Partial<Record<ClinicalFunction, EpjLoadAuth>>;
  env: Record<string, string>;
} {
  const auth: Partial<Record<ClinicalFunction, EpjLoadAuth>> = {};
  const env: Record<string, string> = {};
  const variableOf = new Map<string, string>();
  for (const [fn, endpoint] of Object.entries(targets) as [ClinicalFunction, FhirEndpoint][]) {
    const c = endpoint.credentials;
    if (!c) continue;
    const token = c.bearerToken();
    let bearerTokenEnv: string | undefined;
    if (token !== undefined) {
      bearerTokenEnv = variableOf.get(c.link);
      if (!bearerTokenEnv) {
        bearerTokenEnv = `${EPJ_LOAD_TOKEN_PREFIX}${variableOf.size}`;
        variableOf.set(c.link, bearerTokenEnv);
        env[bearerTokenEnv] = token;
      }
    }
    const files = c.tlsFiles;
    const tls = files
      ? { ...(files.ca ? { ca: files.ca } : {}), ...(files.cert ? { cert: files.cert } : {}), ...(files.key ? { key: files.key } : {}), ...(files.servername ? { serverName: files.servername } : {}) }
      : undefined;
    if (bearerTokenEnv || tls) auth[fn] = { ...(bearerTokenEnv ? { bearerTokenEnv } : {}), ...(tls ? { tls } : {}) };
  }
  return { auth, env };
}
