import { expect } from 'chai';
import { InvalidInputError } from '../../harness/errors.js';
import { parseStackDefinition } from '../../harness/stack/definition.js';
import { referenceStack } from '../../harness/stack/reference-stack.js';
import { StartedStack } from '../../harness/stack/started-stack.js';

describe('stack definition', () => {
  it('accepts the reference stack for every replication mode', () => {
    for (const mode of ['async', 'remote_write', 'on', 'remote_apply']) {
      const def = parseStackDefinition(referenceStack({ replication: mode }));
      expect(def.containers.map((c) => c.name)).to.have.members(['a-db', 'b-db', 'a-epj', 'b-epj', 'b-lookup', 'a-integrations']);
      const aDb = def.containers.find((c) => c.name === 'a-db')!;
      if (mode === 'async') expect(aDb.command).to.deep.equal([]);
      else expect(aDb.command).to.include(`synchronous_commit=${mode}`).and.to.include('synchronous_standby_names=b_db');
    }
  });

  it('routes every link between containers through Toxiproxy and every function to a published front door', () => {
    const def = parseStackDefinition(referenceStack());
    for (const c of def.containers) {
      for (const v of Object.values(c.env)) {
        const host = /@?(\w[\w-]*):\d+\//.exec(v)?.[1];
        if (host) expect(host, `${c.name} env`).to.equal('toxiproxy');
      }
    }
    expect(def.containers.find((c) => c.name === 'b-db')!.env.EPJ_PRIMARY_HOST).to.equal('toxiproxy');
    expect(def.functions['read-only-lookup']?.link).to.equal('lookup-front');
    expect(def.links.find((l) => l.name === 'b-replication')).to.include({ kind: 'replication', fromSite: 'b' });
  });

  it('names an unknown replication mode and the ones that exist', () => {
    expect(() => referenceStack({ replication: 'eventually' })).to.throw(InvalidInputError, /option replication=eventually: one of async, remote_write, on, remote_apply/);
  });

  it('reports every problem of a broken definition at once', () => {
    const broken = {
      name: 'vendor',
      sites: [{ id: 'a', name: 'A' }],
      containers: [
        { name: 'app', site: 'a', role: 'epj', image: 'x', dependsOn: [{ container: 'db' }] },
        { name: 'web', site: 'z', role: 'epj', image: 'x', dependsOn: [{ container: 'app', condition: 'started' }] },
      ],
      links: [
        { name: 'front', kind: 'front-door', listenPort: 8080, upstream: { container: 'nope', port: 80 } },
        { name: 'front2', kind: 'front-door', listenPort: 8080, upstream: { container: 'app', port: 80 }, publish: true },
      ],
      functions: { admission: { link: 'front' } },
    };
    let message = '';
    try {
      parseStackDefinition(broken);
    } catch (err) {
      expect(err).to.be.instanceOf(InvalidInputError);
      message = (err as Error).message;
    }
    expect(message).to.contain("depends on unknown container 'db'");
    expect(message).to.contain("container 'web' is at site 'z', which is not defined");
    expect(message).to.contain("link 'front' points at unknown container 'nope'");
    expect(message).to.contain("link listenPort '8080' is used twice");
    expect(message).to.contain("function 'admission' names link 'front', which is not published");
  });

  it('finds dependency cycles', () => {
    const def = {
      name: 'cyclic',
      sites: [{ id: 'a', name: 'A' }],
      containers: [
        { name: 'x', site: 'a', role: 'r', image: 'i', dependsOn: [{ container: 'y', condition: 'started' }] },
        { name: 'y', site: 'a', role: 'r', image: 'i', dependsOn: [{ container: 'x', condition: 'started' }] },
      ],
    };
    expect(() => parseStackDefinition(def)).to.throw(/dependency cycle: (x → y → x|y → x → y)/);
  });

  it('rejects schema errors with their path', () => {
    expect(() => parseStackDefinition({ name: 'Bad Name', sites: [], containers: [] })).to.throw(/name: lower-case[\s\S]*sites/);
    expect(() => parseStackDefinition({ ...(referenceStack() as object), links: [{ name: 'x', kind: 'front-door', listenPort: 1, upstream: { container: 'a-db', port: 1 }, publish: 70000 }] })).to.throw(/links\.0\.publish/);
    // an option's value is refused before it reaches the field it sets
    expect(() => referenceStack({ epjPort: 70000 })).to.throw(/option epjPort=70000: a port from 1 to 65535/);
  });
});

describe('stack definition: a FHIR base path, and a container started later', () => {
  const vendor = (extra: { containers?: unknown[]; links?: unknown[] } = {}) => ({
    name: 'acme',
    sites: [{ id: 'a', name: 'A' }],
    containers: [
      { name: 'db', site: 'a', role: 'db-primary', image: 'x' },
      { name: 'fhir', site: 'a', role: 'epj', image: 'x', ready: { kind: 'http', link: 'fhir-admin', path: '/fhir/metadata' } },
      { name: 'fhir-standby', site: 'a', role: 'epj-standby', image: 'x', startAtUp: false },
      ...(extra.containers ?? []),
    ],
    links: [
      { name: 'front', kind: 'front-door', listenPort: 8080, upstream: { container: 'fhir', port: 8080 }, publish: true, basePath: '/fhir' },
      { name: 'fhir-admin', kind: 'admin', listenPort: 6001, upstream: { container: 'fhir', port: 8080 }, publish: true },
      ...(extra.links ?? []),
    ],
    functions: { 'clinical-note': { link: 'front' } },
  });

  it('serves each function at its link’s base path; readiness paths stay relative to the link’s root', () => {
    const def = parseStackDefinition(vendor());
    const stack = new StartedStack(undefined as never, 'unit1234', def, { front: 18080, 'fhir-admin': 16001 }, 18474);
    expect(stack.functionUrl('clinical-note')).to.equal('http://127.0.0.1:18080/fhir');
    expect(stack.endpoints.functions['clinical-note']).to.equal('http://127.0.0.1:18080/fhir');
    expect(stack.linkUrl('front')).to.equal('http://127.0.0.1:18080');
    expect(stack.fhirUrl('fhir-admin')).to.equal('http://127.0.0.1:16001');
    expect(def.containers.map((c) => c.startAtUp)).to.deep.equal([true, true, false]);
  });

  it('refuses a base path that is not one, and a dependency on a container started later', () => {
    expect(() => parseStackDefinition(vendor({ links: [{ name: 'other', kind: 'front-door', listenPort: 8081, upstream: { container: 'fhir', port: 8080 }, basePath: 'fhir/' }] }))).to.throw(
      /links\.2\.basePath: a path like \/fhir/,
    );
    expect(() => parseStackDefinition(vendor({ containers: [{ name: 'worker', site: 'a', role: 'x', image: 'x', dependsOn: [{ container: 'fhir-standby', condition: 'started' }] }] }))).to.throw(
      /container 'worker' depends on 'fhir-standby', which is not started at up \(startAtUp: false\)/,
    );
  });
});
