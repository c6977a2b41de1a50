import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import { InvalidInputError } from '../../harness/errors.js';
import { IMAGES } from '../../harness/images/catalog.js';
import { parseStackDefinition } from '../../harness/stack/definition.js';
import { bundledDefinitionSource, loadDefinition, resolveDefinition, withSettings } from '../../harness/stack/load-definition.js';
import { declaredOptions, parseSetFlags } from '../../harness/stack/options.js';
import { INTEGRATION_PLACEMENTS, REPLICATION_MODES, referenceStack } from '../../harness/stack/reference-stack.js';
import { atStackScale, defaultProfile } from '../../harness/workload/profile.js';
import { stackWithOverrides } from '../../harness/experiment/overrides.js';

/** A small vendor stack that declares options: one site, a database and an EPJ behind a front door. */
function vendorTemplate(extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    name: 'acme',
    options: {
      appImage: { type: 'string', default: 'acme/epj:1.0' },
      replicas: { type: 'enum', values: ['none', 'one'], default: 'none' },
      frontPort: { type: 'port', default: 'free' },
      loadScale: { type: 'number', default: 0.5, min: 0.1, max: 2 },
      debug: { type: 'boolean', default: false },
      workers: { type: 'number', default: 4, integer: true, min: 1 },
    },
    loadScale: '${loadScale}',
    sites: [{ id: 'a', name: 'Aarhus' }],
    containers: [
      { name: 'db', site: 'a', role: 'db-primary', image: 'acme/db:1' },
      {
        name: 'app',
        site: 'a',
        role: 'epj',
        image: '${appImage}',
        env: { APP_DEBUG: '${debug}', APP_WORKERS: 'workers=${workers}' },
        command: ['serve', { $when: { debug: true }, $then: ['--verbose', '--workers=${workers}'] }],
      },
      { $when: { replicas: 'one' }, $then: [{ name: 'db2', site: 'a', role: 'db-replica', image: 'acme/db:1' }] },
    ],
    links: [{ name: 'front', kind: 'front-door', listenPort: 8080, upstream: { container: 'app', port: 8080 }, publish: '${frontPort}' }],
    functions: { 'clinical-note': { link: 'front' } },
    ...extra,
  };
}

const messageOf = (fn: () => unknown): string => {
  try {
    fn();
  } catch (err) {
    expect(err).to.be.instanceOf(InvalidInputError);
    return (err as Error).message + ((err as InvalidInputError).hint ? ` (${(err as InvalidInputError).hint})` : '');
  }
  throw new Error('expected an InvalidInputError');
};

describe('stack definition options (--set)', () => {
  it('resolves to the defaults: typed where a whole string refers to an option, text inside a longer one', () => {
    const def = parseStackDefinition(vendorTemplate());
    const app = def.containers.find((c) => c.name === 'app')!;
    expect(app.image).to.equal('acme/epj:1.0');
    expect(app.env).to.deep.equal({ APP_DEBUG: 'false', APP_WORKERS: 'workers=4' });
    expect(app.command).to.deep.equal(['serve']);
    expect(def.containers.map((c) => c.name)).to.deep.equal(['db', 'app']);
    expect(def.links[0]!.publish).to.equal(true); // a free port
    expect(def.loadScale).to.equal(0.5);
    expect(def.template?.options).to.include({ replicas: 'none', frontPort: 'free', debug: false });
  });

  it('applies settings typed on the command line, by each option’s type', () => {
    const def = parseStackDefinition(resolveDefinition(vendorTemplate(), { replicas: 'one', frontPort: '18088', debug: 'true', workers: '8', loadScale: '1.5' }, {}));
    const app = def.containers.find((c) => c.name === 'app')!;
    expect(app.command).to.deep.equal(['serve', '--verbose', '--workers=8']);
    expect(def.containers.map((c) => c.name)).to.deep.equal(['db', 'app', 'db2']);
    expect(def.links[0]!.publish).to.equal(18088);
    expect(def.loadScale).to.equal(1.5);
    expect(def.template!.options).to.include({ replicas: 'one', frontPort: 18088, debug: true, workers: 8 });
  });

  for (const [setting, expected] of [
    [{ nope: 'x' }, "stack 'acme' has no option 'nope' (its options: appImage, replicas, frontPort, loadScale, debug, workers)"],
    [{ replicas: 'two' }, 'option replicas=two: one of none, one'],
    [{ frontPort: 'abc' }, "option frontPort=abc: a port from 1 to 65535, or 'free'"],
    [{ frontPort: '70000' }, "option frontPort=70000: a port from 1 to 65535, or 'free'"],
    [{ loadScale: '0' }, 'option loadScale=0: at least 0.1'],
    [{ loadScale: 'lots' }, 'option loadScale=lots: a number'],
    [{ workers: '2.5' }, 'option workers=2.5: a whole number'],
    [{ debug: 'yes' }, 'option debug=yes: true or false'],
  ] as const) {
    it(`refuses ${JSON.stringify(setting)}, naming the option and what would fit`, () => {
      expect(messageOf(() => resolveDefinition(vendorTemplate(), setting, {}))).to.contain(expected);
    });
  }

  for (const [what, broken, expected] of [
    ['a reference to no declared option', { containers: [{ name: 'x', site: 'a', role: 'epj', image: '${appImge}' }] }, "containers.0.image: '${appImge}' names no declared option"],
    ['one inside a longer string', { description: 'runs ${nothing} here' }, "description: '${nothing}' names no declared option"],
    ['a $when on an undeclared option', { containers: [{ $when: { mode: 'x' }, $then: [] }] }, 'containers.0.$when.mode: names no declared option'],
    ['a $when that is not an object', { containers: [{ $when: 'debug', $then: [] }] }, 'containers.0.$when: $when is an object of option names'],
    ['a $then that is not a list', { containers: [{ $when: { debug: true }, $then: { name: 'x' } }] }, 'containers.0: a conditional element has exactly $when and $then (a list)'],
    ['other keys beside $when', { containers: [{ $when: { debug: true }, $then: [], name: 'x' }] }, 'not name'],
    ['$when outside a list', { functions: { $when: { debug: true } } }, 'functions.$when: $when/$then go in a list'],
  ] as const) {
    it(`names ${what} with its path`, () => {
      expect(messageOf(() => parseStackDefinition(vendorTemplate(broken as Record<string, unknown>)))).to.contain(expected);
    });
  }

  it('refuses option declarations that cannot hold: a default outside its values, an unknown type, a bad name', () => {
    expect(messageOf(() => declaredOptions({ options: { mode: { type: 'enum', values: ['a'], default: 'b' } } }))).to.contain('options.mode.default: one of a');
    expect(messageOf(() => declaredOptions({ options: { mode: { type: 'date', default: 'x' } } }))).to.contain('options.mode.type');
    expect(messageOf(() => declaredOptions({ options: { 'db-image': { type: 'string', default: 'x' } } }))).to.contain('camelCase');
    expect(messageOf(() => declaredOptions({ options: { n: { type: 'number', default: 5, max: 3 } } }))).to.contain('options.n.default: at most 3');
  });

  it('a definition without options takes no settings', () => {
    const plain = { ...vendorTemplate(), options: undefined, loadScale: 1, containers: [{ name: 'db', site: 'a', role: 'db-primary', image: 'x' }], links: [], functions: {} };
    expect(messageOf(() => resolveDefinition(plain, { replication: 'on' }, {}))).to.contain("stack 'acme' has no option 'replication' (it declares no options)");
    expect(resolveDefinition(plain, {}, {})).to.equal(plain);
  });

  it('reads --set as name=value, each name once', () => {
    expect(parseSetFlags(['replication=on', 'epjImage=reg.local/epj:2=x', 'empty='])).to.deep.equal({ replication: 'on', epjImage: 'reg.local/epj:2=x', empty: '' });
    expect(messageOf(() => parseSetFlags(['replication']))).to.contain("--set 'replication': write it as name=value");
    expect(messageOf(() => parseSetFlags(['a=1', 'a=2']))).to.contain('--set a is given twice');
  });
});

describe('the reference stack as a definition file (fixtures/stacks/reference.json)', () => {
  it('declares the replication modes and integration placements the harness knows, and the images setup builds', () => {
    const declared = declaredOptions(bundledDefinitionSource('reference'))!;
    expect(declared.replication).to.deep.include({ type: 'enum', values: [...REPLICATION_MODES], default: 'async' });
    expect(declared.integrations).to.deep.include({ type: 'enum', values: [...INTEGRATION_PLACEMENTS], default: 'site-a' });
    expect(declared.databaseImage!.default).to.equal(IMAGES.postgres);
    expect(declared.epjImage!.default).to.equal(IMAGES.epj);
    expect(declared.integrationEngineImage!.default).to.equal(IMAGES.integrationEngine);
    expect(declared.loadScale!.default).to.equal(1);
  });

  it('an image option reaches every container of that component', () => {
    const def = parseStackDefinition(referenceStack({ epjImage: 'epj-chaos/epj:release-2', integrations: 'each-site' }));
    const images = Object.fromEntries(def.containers.map((c) => [c.name, c.image]));
    expect(images).to.deep.equal({
      'a-db': IMAGES.postgres,
      'b-db': IMAGES.postgres,
      'a-epj': 'epj-chaos/epj:release-2',
      'b-epj': 'epj-chaos/epj:release-2',
      'b-lookup': 'epj-chaos/epj:release-2',
      'a-integrations': IMAGES.integrationEngine,
      'b-integrations': IMAGES.integrationEngine,
    });
  });

  it('set anew (run --set, --replication), keeps the experiment’s own settings of the other options', async () => {
    const experiments = referenceStack({ integrations: 'each-site', replication: 'on' });
    const def = parseStackDefinition(await withSettings(experiments, { replication: 'remote_apply' }));
    expect(def.template!.options).to.include({ integrations: 'each-site', replication: 'remote_apply' });
    expect(def.containers.find((c) => c.role === 'db-primary')!.command).to.include('synchronous_commit=remote_apply');
    expect(def.containers.map((c) => c.name)).to.include('b-integrations');
    // nothing to set: the stack as it is
    expect(await withSettings(experiments, {})).to.equal(experiments);
  });

  it('a vendor’s file goes through the same path: loaded with settings, and set anew from the file it came from', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'epj-chaos-options-'));
    try {
      const file = path.join(dir, 'acme.json');
      await writeFile(file, JSON.stringify(vendorTemplate()));
      const loaded = await loadDefinition(file, { replicas: 'one' });
      expect(loaded.template).to.deep.include({ file });
      expect(loaded.containers.map((c) => c.name)).to.include('db2');
      const again = parseStackDefinition(await withSettings(loaded, { debug: 'true' }));
      expect(again.containers.map((c) => c.name)).to.include('db2');
      expect(again.containers.find((c) => c.name === 'app')!.command).to.include('--verbose');
      let refused = '';
      await loadDefinition(file, { replication: 'on' }).catch((err: Error) => (refused = err.message));
      expect(refused).to.contain("stack 'acme' has no option 'replication'");
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('run --stack carries what the experiment set to the other stack where it has that option; --set wins', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'epj-chaos-options-'));
    try {
      const file = path.join(dir, 'acme.json');
      const template = vendorTemplate();
      (template.options as Record<string, unknown>).replication = { type: 'enum', values: ['async', 'remote_apply'], default: 'async' };
      await writeFile(file, JSON.stringify(template));
      // the failover drill's remote_apply variant: its replication holds; integrations (not declared) and the
      // reference's default load scale (not set by the experiment) do not travel
      const experiments = referenceStack({ replication: 'remote_apply', integrations: 'each-site' });
      const def = parseStackDefinition(await stackWithOverrides(experiments, { stackFile: file }));
      expect(def.template!.options).to.include({ replication: 'remote_apply', loadScale: 0.5 });
      expect(def.template!.options).to.not.have.property('integrations');
      const set = parseStackDefinition(await stackWithOverrides(experiments, { stackFile: file, settings: { replication: 'async' } }));
      expect(set.template!.options.replication).to.equal('async');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('the load scale a definition declares scales each function’s rate', () => {
    const half = atStackScale(defaultProfile, 0.5);
    for (const [fn, rate] of Object.entries(defaultProfile)) expect(half[fn as keyof typeof half]).to.be.closeTo(rate / 2, 0.001);
    expect(atStackScale(defaultProfile, 1)).to.equal(defaultProfile);
  });
});
