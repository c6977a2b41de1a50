import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import { referenceDefinitionText, resolvedReferenceText } from '../../harness/cli/commands/stack.js';
import { parseStackDefinition, type StackDefinition } from '../../harness/stack/definition.js';
import { loadDefinition } from '../../harness/stack/load-definition.js';
import { REPLICATION_MODES, referenceStack } from '../../harness/stack/reference-stack.js';

/** Where a definition came from is recorded (`template`); the stack itself is what must be the same. */
const stackOnly = ({ template: _t, ...def }: StackDefinition) => def;

/** `epj-chaos stack definition` prints a file that `stack up --definition` and `run --stack` read back as the same stack. */
describe('stack definition (the command): the reference stack as a definition file', () => {
  let dir = '';
  before(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'epj-chaos-definition-'));
  });
  after(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  for (const mode of [undefined, ...REPLICATION_MODES]) {
    it(`round-trips through JSON, parseStackDefinition and the --definition loader (replication ${mode ?? 'default'})`, async () => {
      const text = referenceDefinitionText(mode ? { replication: mode } : {});
      expect(text.endsWith('}\n'), 'one JSON document and a newline').to.equal(true);
      const printed = JSON.parse(text) as unknown;
      const expected = parseStackDefinition(referenceStack({ replication: mode }));
      expect(stackOnly(parseStackDefinition(printed))).to.deep.equal(stackOnly(expected));
      // the path `stack up --definition FILE` takes
      const file = path.join(dir, `reference-${mode ?? 'default'}.json`);
      await writeFile(file, text);
      const loaded = await loadDefinition(file);
      expect(stackOnly(loaded)).to.deep.equal(stackOnly(expected));
      expect(loaded.template).to.deep.include({ file });
      expect(loaded.template!.options.replication).to.equal(mode ?? 'async');
    });
  }

  it('prints the options with the defaults asked for, and nothing a file cannot hold', () => {
    const def = JSON.parse(referenceDefinitionText({ replication: 'remote_apply', epjPort: '18080' })) as {
      name: string;
      options: Record<string, { default: unknown }>;
      containers: { name?: string; image: string }[];
    };
    expect(def.name).to.equal('reference');
    expect(def.options.replication!.default).to.equal('remote_apply');
    expect(def.options.epjPort!.default).to.equal(18080);
    // images by option, their defaults by name (built by `epj-chaos images build`), no absolute paths of this machine
    for (const c of def.containers.filter((x) => x.name)) expect(c.image).to.match(/^\$\{\w+Image\}$/);
    for (const name of ['databaseImage', 'epjImage', 'integrationEngineImage']) expect(def.options[name]!.default).to.match(/^epj-chaos\/[a-z-]+:[\w.]+$/);
    expect(referenceDefinitionText()).to.not.contain('/work/').and.to.not.contain('undefined');
  });

  it('--resolved prints plain data: no options, no template references, and where it came from', () => {
    const text = resolvedReferenceText({ replication: 'on', integrations: 'each-site' });
    expect(text).to.not.contain('${').and.to.not.contain('$when');
    const def = parseStackDefinition(JSON.parse(text));
    expect(def.template).to.deep.include({ bundled: 'reference' });
    expect(def.containers.map((c) => c.name)).to.include('b-integrations');
    expect(stackOnly(def)).to.deep.equal(stackOnly(parseStackDefinition(referenceStack({ replication: 'on', integrations: 'each-site' }))));
  });
});
