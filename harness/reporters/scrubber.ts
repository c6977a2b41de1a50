/**
 * Keeps secrets out of everything a run leaves on disk (the journal, saved container logs): the values of
 * environment variables whose names look secret, the passwords of URLs found in the environment, and the userinfo
 * (`user:password@`) of any URL in the text. A scrubbed secret reads `***`.
 */

export const REDACTED = '***';

/** A name segment (split at `_`, `-`, `.`) ending in one of these marks a secret: PGPASSWORD, AWS_SECRET_ACCESS_KEY. */
const SECRET_NAME_SEGMENT = /(TOKEN|SECRET|PASSWORD|PASSWD|PASS|KEY|CREDENTIAL)S?$/i;

/** Shorter values ("1", "true", "dev") are too common to replace wherever they appear, and too short to be secrets. */
const MIN_SECRET_LENGTH = 6;

/** scheme://userinfo@ — userinfo holds no '/', '@' or whitespace */
const URL_USERINFO = /\b([a-z][a-z0-9+.-]*:\/\/)[^\s/@"'<>]+@/gi;

/**
 * Secrets the harness itself holds, whatever the variable they came from is called: a FHIR endpoint's bearer token
 * (harness/fhir/link-credentials.ts). Every scrubber of this process scrubs them.
 */
const heldSecrets = new Set<string>();

export function holdSecret(value: string): void {
  heldSecrets.add(value);
}

export function looksSecret(name: string): boolean {
  return name.split(/[_.-]/).some((segment) => SECRET_NAME_SEGMENT.test(segment));
}

/** The values to scrub from an environment: secret-looking variables, and passwords of URL-valued ones. */
export function secretValues(env: NodeJS.ProcessEnv): string[] {
  const found = new Set<string>();
  for (const [name, value] of Object.entries(env)) {
    if (!value) continue;
    if (looksSecret(name)) found.add(value);
    for (const url of value.match(/[a-z][a-z0-9+.-]*:\/\/[^\s]+/gi) ?? []) {
      try {
        const { password } = new URL(url);
        if (password) found.add(password).add(decodeURIComponent(password));
      } catch {
        // not a URL after all
      }
    }
  }
  // longest first, so a secret containing another is replaced whole
  return [...found].filter((v) => v.length >= MIN_SECRET_LENGTH).sort((a, b) => b.length - a.length);
}

export class Scrubber {
  private readonly secrets: string[];

  constructor(secrets: Iterable<string>) {
    const all = new Set<string>();
    for (const s of secrets) {
      if (s.length < MIN_SECRET_LENGTH) continue;
      all.add(s);
      // as it appears inside a JSON string (quotes, backslashes and control characters escaped)
      all.add(JSON.stringify(s).slice(1, -1));
    }
    this.secrets = [...all].sort((a, b) => b.length - a.length);
  }

  /**
   * A scrubber for this process's environment, read now (a test may set variables just before it runs), with the
   * secrets the harness holds and the values of `alsoSecret`, variables named secret elsewhere (a stack
   * definition's bearerTokenEnv) whatever their names look like.
   */
  static fromEnvironment(env: NodeJS.ProcessEnv = process.env, alsoSecret: readonly string[] = []): Scrubber {
    const named = alsoSecret.flatMap((name) => (env[name] ? [env[name]] : []));
    return new Scrubber([...secretValues(env), ...named, ...heldSecrets]);
  }

  /**
   * The scrubber for what a run of `definition` leaves behind (its journal, its saved container logs): this
   * process's environment, with the variables the definition's links take bearer tokens from.
   */
  static forRun(definition: object | undefined, env: NodeJS.ProcessEnv = process.env): Scrubber {
    return Scrubber.fromEnvironment(env, bearerTokenVariables(definition));
  }

  scrub(text: string): string {
    let out = text.replace(URL_USERINFO, `$1${REDACTED}@`);
    for (const s of this.secrets) if (out.includes(s)) out = out.split(s).join(REDACTED);
    return out;
  }

  /** JSON.stringify with every string value scrubbed, then the text itself (keys, escaped forms). */
  stringify(value: unknown, space?: number): string {
    return this.scrub(JSON.stringify(value, (_key, v: unknown) => (typeof v === 'string' ? this.scrub(v) : v), space));
  }
}

/** The environment variables a stack definition's links take bearer tokens from (harness/stack/link-auth.ts). */
function bearerTokenVariables(definition: object | undefined): string[] {
  const links = (definition as { links?: { auth?: { bearerTokenEnv?: unknown } }[] } | undefined)?.links;
  return Array.isArray(links) ? links.flatMap((l) => (typeof l?.auth?.bearerTokenEnv === 'string' ? [l.auth.bearerTokenEnv] : [])) : [];
}
