import type { ClinicalFunction } from '../../stack/definition.js';

/**
 * The whole environment k6 gets: what the script needs from the harness (its endpoints' bearer tokens included)
 * and the k6 settings that keep it off the network, nothing of the harness's own (no other tokens, proxies or PATH).
 * docs/k6.md lists every name.
 */
export interface K6EnvInput {
  /** endpoint per function, already checked to be loopback */
  endpoints: Partial<Record<ClinicalFunction, string>>;
  /** the bearer token of each function's link, where it has one (harness/stack/link-auth.ts) */
  tokens?: Partial<Record<ClinicalFunction, string>>;
  patientsFile: string;
  timeoutMs: number;
  functionTag: string;
  rates: Partial<Record<ClinicalFunction, number>>;
  /** k6's home for this run (an empty temp dir): it must not read the user's ~/.config/k6 (cloud tokens, outputs) */
  home: string;
}

/** EPJ_URL_JOURNAL_LOOKUP for 'journal-lookup', and so on. */
export function urlVariable(fn: ClinicalFunction): string {
  return `EPJ_URL_${envName(fn)}`;
}

/**
 * EPJ_TOKEN_JOURNAL_LOOKUP: the bearer token of the link serving the function, for the script's `Authorization`
 * header. Only variables k6 is given: never written to a file, a config or the history.
 */
export function tokenVariable(fn: ClinicalFunction): string {
  return `EPJ_TOKEN_${envName(fn)}`;
}

/** EPJ_RATE_JOURNAL_LOOKUP: the arrivals per second the experiment expects, for the script's arrival-rate executors. */
export function rateVariable(fn: ClinicalFunction): string {
  return `EPJ_RATE_${envName(fn)}`;
}

export const PATIENTS_FILE_VARIABLE = 'EPJ_PATIENTS_FILE';
export const TIMEOUT_VARIABLE = 'EPJ_TIMEOUT_MS';
export const FUNCTION_TAG_VARIABLE = 'EPJ_FUNCTION_TAG';

/** k6's own settings: no usage report, no download of extensions (k6: cmd/state/state.go, internal/cmd/config.go). */
export const K6_SETTINGS: Readonly<Record<string, string>> = {
  K6_NO_USAGE_REPORT: 'true',
  K6_AUTO_EXTENSION_RESOLUTION: 'false',
  NO_COLOR: '1',
};

export function k6Environment(input: K6EnvInput): Record<string, string> {
  const env: Record<string, string> = { ...K6_SETTINGS, HOME: input.home };
  for (const [fn, url] of Object.entries(input.endpoints) as [ClinicalFunction, string][]) env[urlVariable(fn)] = url;
  for (const [fn, token] of Object.entries(input.tokens ?? {}) as [ClinicalFunction, string][]) env[tokenVariable(fn)] = token;
  for (const [fn, rate] of Object.entries(input.rates) as [ClinicalFunction, number][]) env[rateVariable(fn)] = String(rate);
  env[PATIENTS_FILE_VARIABLE] = input.patientsFile;
  env[TIMEOUT_VARIABLE] = String(input.timeoutMs);
  env[FUNCTION_TAG_VARIABLE] = input.functionTag;
  return env;
}

function envName(fn: ClinicalFunction): string {
  return fn.toUpperCase().replace(/-/g, '_');
}

/**
 * k6 blocks every host name (blacklist.ts), so a 'localhost' endpoint is handed over as the literal it means here:
 * the harness publishes its ports on 127.0.0.1.
 */
export function asLiteralLoopback(url: string): string {
  const u = new URL(url);
  if (u.hostname === 'localhost') u.hostname = '127.0.0.1';
  return u.toString().replace(/\/+$/, '');
}
