import { X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { createSecureContext } from 'node:tls';
import { createRequire } from 'node:module';
import { inspect } from 'node:util';
import type { Agent } from 'undici';
import { InvalidInputError } from '../errors.js';
import { holdSecret } from '../reporters/scrubber.js';
import type { LinkSpec } from '../stack/definition.js';
import type { LinkAuth } from '../stack/link-auth.js';

/**
 * What a link's `auth` names (harness/stack/link-auth.ts), read: the bearer token from its environment variable
 * and the TLS files, checked — a variable that is not set, a file that cannot be read or is not PEM, a key that
 * does not belong to its certificate — with every problem named by link and field. The token is kept in a private
 * field, handed out only to build a request's header (harness/fhir/endpoint.ts) or epj-load's environment
 * (harness/workload/driver.ts), and registered with the scrubber so no artefact can keep it
 * (harness/reporters/scrubber.ts). Serialised or inspected, credentials show names and paths only.
 */

/** TLS material as node:tls and undici's `connect` take it. */
export interface TlsMaterial {
  ca?: Buffer;
  cert?: Buffer;
  key?: Buffer;
  servername?: string;
}

/** The absolute paths of a link's TLS files (what epj-load is told to read; never their contents). */
export interface TlsFiles {
  ca?: string;
  cert?: string;
  key?: string;
  servername?: string;
}

export class LinkCredentials {
  readonly #token: string | undefined;
  #dispatcher: Agent | undefined;

  private constructor(
    readonly link: string,
    /** the environment variable the token came from, if any */
    readonly tokenVariable: string | undefined,
    token: string | undefined,
    /** TLS files (absolute paths) and server name; undefined without `auth.tls` */
    readonly tlsFiles: TlsFiles | undefined,
    /** their contents, for fetch and node:https */
    readonly tls: TlsMaterial | undefined,
  ) {
    this.#token = token;
  }

  /**
   * The credentials of a link with `auth` (undefined without), read now. Throws one InvalidInputError naming every
   * problem with the link and the field.
   */
  static read(link: LinkSpec, env: NodeJS.ProcessEnv = process.env): LinkCredentials | undefined {
    if (!link.auth) return undefined;
    const { read, problems } = readCredentials(link, env);
    if (!read) throw new InvalidInputError(problems.length === 1 ? problems[0]! : `link '${link.name}':\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    return new LinkCredentials(link.name, link.auth.bearerTokenEnv, read.token, read.tlsFiles, read.tls);
  }

  /** the value of `Authorization` on every request to this link, or undefined without a token */
  authorization(): string | undefined {
    return this.#token === undefined ? undefined : `Bearer ${this.#token}`;
  }

  /** the bare token (epj-load gets it through its environment, never its config) */
  bearerToken(): string | undefined {
    return this.#token;
  }

  /** fetch's `dispatcher` for this link: one pool of TLS connections with its CA, client certificate and server name */
  get dispatcher(): Agent | undefined {
    if (!this.tls) return undefined;
    this.#dispatcher ??= new (undici().Agent)({ connect: { ...this.tls } });
    return this.#dispatcher;
  }

  /** closes the dispatcher's connections (idle ones never keep the process alive; this only frees them sooner) */
  async close(): Promise<void> {
    const d = this.#dispatcher;
    this.#dispatcher = undefined;
    await d?.close();
  }

  /** names and paths, never the token */
  toJSON(): object {
    return { link: this.link, ...(this.tokenVariable ? { bearerTokenEnv: this.tokenVariable } : {}), ...(this.tlsFiles ? { tls: this.tlsFiles } : {}) };
  }

  [inspect.custom](): string {
    return `LinkCredentials ${JSON.stringify(this.toJSON())}`;
  }
}

/**
 * Every problem with the credentials of every link that has `auth` — what `upStack` and an experiment's plan check
 * before any container starts (checkCredentials). Reading the token here only checks that it is there.
 */
export function credentialProblems(links: readonly LinkSpec[], env: NodeJS.ProcessEnv = process.env): string[] {
  return links.flatMap((l) => readCredentials(l, env).problems);
}

/**
 * Throws an InvalidInputError naming every credential problem of the stack's links, and the definition's file
 * (`source`, else the file it was resolved from); nothing when there is none.
 */
export function checkCredentials(def: { name: string; links: readonly LinkSpec[]; template?: { file?: string } }, env: NodeJS.ProcessEnv = process.env, source?: string): void {
  const problems = credentialProblems(def.links, env);
  if (problems.length === 0) return;
  const file = source ?? def.template?.file;
  throw new InvalidInputError(
    `stack '${def.name}'${file ? ` (${file})` : ''} cannot authenticate to its endpoints:\n${problems.map((p) => `  - ${p}`).join('\n')}`,
    'set the environment variable each bearerTokenEnv names, and give readable PEM files (paths relative to the definition file) — docs/stack-definitions.md, "Authentication"',
  );
}

interface ReadCredentials {
  token?: string;
  tlsFiles?: TlsFiles;
  tls?: TlsMaterial;
}

/** A link's credentials, read and checked: what was read when nothing is wrong, and every problem otherwise. */
function readCredentials(link: LinkSpec, env: NodeJS.ProcessEnv): { read?: ReadCredentials; problems: string[] } {
  const auth: LinkAuth | undefined = link.auth;
  if (!auth) return { problems: [] };
  const problems: string[] = [];
  const at = (field: string, problem: string) => problems.push(`link '${link.name}': auth.${field}: ${problem}`);

  let token: string | undefined;
  if (auth.bearerTokenEnv !== undefined) {
    const value = env[auth.bearerTokenEnv];
    // the value itself is never part of a message
    if (value === undefined) at('bearerTokenEnv', `the environment variable ${auth.bearerTokenEnv} is not set`);
    else if (value === '') at('bearerTokenEnv', `the environment variable ${auth.bearerTokenEnv} is empty`);
    else if (!/^[\x21-\x7e]+$/.test(value)) at('bearerTokenEnv', `the environment variable ${auth.bearerTokenEnv} holds spaces, line breaks or other characters a bearer token cannot have`);
    else {
      token = value;
      holdSecret(value);
    }
  }

  let tlsFiles: TlsFiles | undefined;
  let tls: TlsMaterial | undefined;
  if (auth.tls) {
    tlsFiles = {};
    tls = {};
    const read = (field: 'ca' | 'cert' | 'key'): Buffer | undefined => {
      const given = auth.tls![field];
      if (given === undefined) return undefined;
      const file = path.resolve(given);
      tlsFiles![field] = file;
      try {
        return readFileSync(file);
      } catch (err) {
        at(`tls.${field}`, `${file} ${unreadable(err)}`);
        return undefined;
      }
    };
    const ca = read('ca');
    const cert = read('cert');
    const key = read('key');
    if (ca) {
      const problem = notCertificates(ca);
      if (problem) at('tls.ca', `${tlsFiles.ca} ${problem}`);
      else tls.ca = ca;
    }
    if (cert) {
      const problem = notCertificates(cert);
      if (problem) at('tls.cert', `${tlsFiles.cert} ${problem}`);
      else if (key) {
        const mismatch = keyProblem(cert, key);
        if (mismatch) at('tls.key', `${tlsFiles.key} ${mismatch}`);
        else Object.assign(tls, { cert, key });
      }
    }
    if (auth.tls.servername !== undefined) tlsFiles.servername = tls.servername = auth.tls.servername;
  }
  if (problems.length > 0) return { problems };
  return { read: { ...(token !== undefined ? { token } : {}), ...(tlsFiles ? { tlsFiles } : {}), ...(tls ? { tls } : {}) }, problems };
}

function unreadable(err: unknown): string {
  const code = (err as NodeJS.ErrnoException).code;
  return code === 'ENOENT' ? 'does not exist' : code === 'EISDIR' ? 'is a directory' : code === 'EACCES' ? 'is not readable (permission denied)' : `cannot be read (${(err as Error).message})`;
}

const PEM_CERTIFICATE = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g;

/** Why a file is not one or more PEM certificates (node:tls silently ignores a CA file that holds none), or undefined. */
function notCertificates(pem: Buffer): string | undefined {
  const blocks = pem.toString('utf8').match(PEM_CERTIFICATE) ?? [];
  if (blocks.length === 0) return 'holds no PEM certificate (-----BEGIN CERTIFICATE-----)';
  for (const [i, block] of blocks.entries()) {
    try {
      new X509Certificate(block);
    } catch (err) {
      return `holds a certificate that cannot be parsed (#${i + 1}: ${(err as Error).message})`;
    }
  }
  return undefined;
}

/** Why `key` cannot be used with `cert` (not a private key, encrypted, or another certificate's), or undefined. */
function keyProblem(cert: Buffer, key: Buffer): string | undefined {
  try {
    createSecureContext({ cert, key });
    return undefined;
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ERR_OSSL_X509_KEY_VALUES_MISMATCH') return 'is not the private key of the client certificate (auth.tls.cert)';
    if (/bad (decrypt|password)|passphrase/i.test((err as Error).message)) return 'is encrypted: give an unencrypted PEM private key';
    return `is not a PEM private key (${(err as Error).message})`;
  }
}

/** undici, loaded when a TLS link first needs its own dispatcher: most commands never do, and it is a large import */
function undici(): typeof import('undici') {
  return createRequire(import.meta.url)('undici') as typeof import('undici');
}
