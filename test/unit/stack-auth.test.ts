import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import { InvalidInputError } from '../../harness/errors.js';
import { checkCredentials } from '../../harness/fhir/link-credentials.js';
import { parseStackDefinition, type StackDefinitionInput } from '../../harness/stack/definition.js';
import { BUNDLED_STACKS_DIR, loadDefinition, readJsonFile, resolveDefinition } from '../../harness/stack/load-definition.js';
import { upStack } from '../../harness/stack/up.js';
import { makeTestCertificates, type TestCertificates } from '../support/test-certificates.js';

/**
 * A link's `auth` in a stack definition (harness/stack/link-auth.ts): what the schema refuses, where relative
 * certificate paths point, and what is checked before any container starts (harness/fhir/link-credentials.ts) —
 * every problem named by link and field, and never the token's value.
 */

const vendor = (auth: unknown, link: Record<string, unknown> = {}): StackDefinitionInput =>
  ({
    name: 'acme',
    sites: [{ id: 'a', name: 'A' }],
    containers: [
      { name: 'db', site: 'a', role: 'db-primary', image: 'x' },
      { name: 'fhir', site: 'a', role: 'epj', image: 'x' },
    ],
    links: [
      { name: 'front', kind: 'front-door', listenPort: 8443, upstream: { container: 'fhir', port: 8443 }, publish: true, basePath: '/fhir', auth, ...link },
      { name: 'app-db', kind: 'app-db', listenPort: 5401, upstream: { container: 'db', port: 5432 } },
    ],
    functions: { 'clinical-note': { link: 'front' } },
  }) as StackDefinitionInput;

const refusal = (input: unknown): string => {
  try {
    parseStackDefinition(input);
  } catch (err) {
    expect(err).to.be.instanceOf(InvalidInputError);
    return (err as Error).message;
  }
  throw new Error('accepted');
};

describe('stack definition: authentication of a link', () => {
  it('takes a bearer token’s variable and TLS files, and changes nothing else', () => {
    const def = parseStackDefinition(vendor({ bearerTokenEnv: 'HAPI_TOKEN', tls: { ca: 'certs/ca.pem', cert: 'certs/client.pem', key: 'certs/client-key.pem', servername: 'epj.example' } }));
    expect(def.links[0]!.auth).to.deep.equal({ bearerTokenEnv: 'HAPI_TOKEN', tls: { ca: 'certs/ca.pem', cert: 'certs/client.pem', key: 'certs/client-key.pem', servername: 'epj.example' } });
    expect(parseStackDefinition(vendor(undefined)).links[0]!.auth).to.equal(undefined);
  });

  const BAD: [string, unknown, Record<string, unknown>, string][] = [
    ['a token instead of a variable name', { bearerTokenEnv: 'eyJhbGciOiJIUzI1NiJ9.e30.x-y' }, {}, 'links.0.auth.bearerTokenEnv: the NAME of an environment variable that holds the token'],
    ['the token itself, in a field of its own', { bearerToken: 'abc' }, {}, 'links.0.auth.bearerToken: unknown field (auth takes bearerTokenEnv'],
    ['an auth that says nothing', {}, {}, 'links.0.auth: name a bearerTokenEnv, a tls, or both'],
    ['a client certificate without its key', { tls: { cert: 'c.pem' } }, {}, 'links.0.auth.tls.key: a client certificate (cert) needs its private key (key)'],
    ['a key without its certificate', { tls: { key: 'k.pem' } }, {}, 'links.0.auth.tls.cert: a private key (key) needs its client certificate (cert)'],
    ['an IP address as server name', { tls: { servername: '127.0.0.1' } }, {}, 'links.0.auth.tls.servername: a DNS name, not an IP address'],
    ['a URL as server name', { tls: { servername: 'https://epj.example:8443' } }, {}, "links.0.auth.tls.servername: a DNS name the server's certificate is issued to"],
    ['a misspelt TLS field', { tls: { cafile: 'ca.pem' } }, {}, 'links.0.auth.tls.cafile: unknown field'],
    ['an empty path', { tls: { ca: '' } }, {}, 'links.0.auth.tls.ca: a file path'],
    ['auth on a link that is not published', { bearerTokenEnv: 'T' }, { publish: false }, "link 'front' has auth, but is not published"],
  ];
  for (const [what, auth, link, message] of BAD) {
    it(`refuses ${what}`, () => {
      expect(refusal(vendor(auth, link))).to.contain(message);
    });
  }

  it('refuses auth on a link the harness never calls', () => {
    const input = vendor(undefined) as { links: Record<string, unknown>[] };
    input.links[1]!.auth = { bearerTokenEnv: 'T' };
    expect(refusal(input)).to.contain("link 'app-db' has auth, but the harness never calls app-db links (auth goes on front-door and admin links)");
  });

  it('never echoes what was written where a variable name belongs', () => {
    const secret = `tok.${randomBytes(6).toString('hex')}`;
    expect(refusal(vendor({ bearerTokenEnv: secret }))).to.not.contain(secret);
  });
});

describe('stack definition: where relative certificate paths point', () => {
  let dir: string;
  before(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'epj-chaos-auth-paths-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('to the directory of the definition file, options resolved first; absolute paths stay', async () => {
    const file = path.join(dir, 'vendor', 'stack.json');
    mkdirSync(path.dirname(file));
    const fromFile = async (settings = {}) => parseStackDefinition(resolveDefinition(await readJsonFile(file, 'stack definition'), settings, { file }));
    writeFileSync(file, JSON.stringify(vendor({ tls: { ca: 'certs/ca.pem', cert: '/etc/epj/client.pem', key: '../keys/client-key.pem' } })));
    expect((await fromFile()).links[0]!.auth!.tls).to.deep.equal({ ca: path.join(dir, 'vendor/certs/ca.pem'), cert: '/etc/epj/client.pem', key: path.join(dir, 'keys/client-key.pem') });

    const withOptions = { ...vendor({ tls: { ca: '${certDir}/ca.pem' } }), options: { certDir: { type: 'string', default: 'certs' } } };
    writeFileSync(file, JSON.stringify(withOptions));
    expect((await fromFile({ certDir: 'other' })).links[0]!.auth!.tls!.ca).to.equal(path.join(dir, 'vendor/other/ca.pem'));

    // loading the file for use (`stack up --definition`) checks that they are there, naming the file
    let err: unknown;
    await loadDefinition(file).catch((e: unknown) => (err = e));
    expect(err).to.be.instanceOf(InvalidInputError);
    expect((err as Error).message).to.contain(`stack 'acme' (${file}) cannot authenticate to its endpoints`).and.to.contain(`auth.tls.ca: ${path.join(dir, 'vendor/certs/ca.pem')} does not exist`);
  });

  it('to fixtures/stacks for a bundled definition; to the cwd for a definition from code', () => {
    const bundled = resolveDefinition(vendor({ tls: { ca: 'certs/ca.pem' } }), {}, { bundled: 'acme' }) as { links: { auth?: { tls?: { ca?: string } } }[] };
    expect(bundled.links[0]!.auth!.tls!.ca).to.equal(path.join(BUNDLED_STACKS_DIR, 'certs/ca.pem'));
    expect(parseStackDefinition(vendor({ tls: { ca: 'certs/ca.pem' } })).links[0]!.auth!.tls!.ca).to.equal('certs/ca.pem');
  });
});

describe('stack definition: credentials checked before anything starts', function () {
  this.timeout(20_000);
  const VARIABLE = 'EPJ_UNIT_AUTH_BEARER';
  let certs: TestCertificates;
  before(() => {
    certs = makeTestCertificates();
  });
  after(() => certs.remove());

  const check = (auth: unknown, env: NodeJS.ProcessEnv) => {
    try {
      checkCredentials(parseStackDefinition(vendor(auth)), env);
    } catch (err) {
      expect(err).to.be.instanceOf(InvalidInputError);
      return (err as Error).message;
    }
    return '';
  };

  it('passes a set variable and readable, matching PEM files', () => {
    expect(check({ bearerTokenEnv: VARIABLE, tls: { ca: certs.files.ca, cert: certs.files.clientCert, key: certs.files.clientKey } }, { [VARIABLE]: 'synthetic-token' })).to.equal('');
  });

  it('names every problem by link and field, and never the token', () => {
    const token = `synthetic ${randomBytes(6).toString('hex')}`; // a space: not a bearer token
    const cases: [unknown, NodeJS.ProcessEnv, string][] = [
      [{ bearerTokenEnv: VARIABLE }, {}, `link 'front': auth.bearerTokenEnv: the environment variable ${VARIABLE} is not set`],
      [{ bearerTokenEnv: VARIABLE }, { [VARIABLE]: '' }, `link 'front': auth.bearerTokenEnv: the environment variable ${VARIABLE} is empty`],
      [{ bearerTokenEnv: VARIABLE }, { [VARIABLE]: token }, 'holds spaces, line breaks or other characters a bearer token cannot have'],
      [{ tls: { ca: path.join(certs.dir, 'missing.pem') } }, {}, `link 'front': auth.tls.ca: ${path.join(certs.dir, 'missing.pem')} does not exist`],
      [{ tls: { ca: certs.dir } }, {}, `auth.tls.ca: ${certs.dir} is a directory`],
      [{ tls: { ca: certs.files.clientKey } }, {}, `auth.tls.ca: ${certs.files.clientKey} holds no PEM certificate`],
      [{ tls: { cert: certs.files.clientKey, key: certs.files.clientKey } }, {}, `auth.tls.cert: ${certs.files.clientKey} holds no PEM certificate`],
      [{ tls: { cert: certs.files.clientCert, key: certs.files.otherKey } }, {}, `auth.tls.key: ${certs.files.otherKey} is not the private key of the client certificate (auth.tls.cert)`],
      [{ tls: { cert: certs.files.clientCert, key: certs.files.ca } }, {}, `auth.tls.key: ${certs.files.ca} is not a PEM private key`],
    ];
    for (const [auth, env, want] of cases) {
      const message = check(auth, env);
      expect(message, JSON.stringify(auth)).to.contain("stack 'acme' cannot authenticate to its endpoints:").and.to.contain(want);
      expect(message).to.not.contain(token);
    }
  });

  it('refuses to bring a stack up without its token before Docker is asked anything', async () => {
    const dockerHost = process.env.DOCKER_HOST;
    process.env.DOCKER_HOST = `unix://${path.join(certs.dir, 'no-docker-here.sock')}`; // a daemon asked would fail otherwise
    try {
      let err: unknown;
      await upStack(vendor({ bearerTokenEnv: 'EPJ_UNIT_AUTH_NEVER_SET' })).catch((e: unknown) => (err = e));
      expect(err).to.be.instanceOf(InvalidInputError);
      expect((err as Error).message).to.contain("link 'front': auth.bearerTokenEnv: the environment variable EPJ_UNIT_AUTH_NEVER_SET is not set");
    } finally {
      if (dockerHost === undefined) delete process.env.DOCKER_HOST;
      else process.env.DOCKER_HOST = dockerHost;
    }
  });
});
