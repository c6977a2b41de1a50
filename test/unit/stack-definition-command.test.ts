import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import { referenceDefinitionText } from '../../harness/cli/commands/stack.js';
import { parseStackDefinition } from '../../harness/stack/definition.js';
import { loadDefinition } from '../../harness/stack/load-definition.js';
import { REPLICATION_MODES, referenceStack } from '../../harness/stack/reference-stack.js';

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
      const text = referenceDefinitionText(mode);
      expect(text.endsWith('}\n'), 'one JSON document and a newline').to.equal(true);
      const printed = JSON.parse(text) as unknown;
      const expected = parseStackDefinition(referenceStack({ replication: mode }));
      expect(parseStackDefinition(printed)).to.deep.equal(expected);
      // the path `stack up --definition FILE` takes
      const file = path.join(dir, `reference-${mode ?? 'default'}.json`);
      await writeFile(file, text);
      expect(await loadDefinition(file, {})).to.deep.equal(expected);
    });
  }

  it('prints the replication mode asked for, and nothing a file cannot hold', () => {
    const def = JSON.parse(referenceDefinitionText('remote_apply')) as { name: string; containers: { name: string; command?: string[]; image: string }[] };
    expect(def.name).to.equal('reference');
    expect(def.containers.find((c) => c.name === 'a-db')!.command).to.include('synchronous_commit=remote_apply');
    // images by name (built by `epj-chaos images build`), no absolute paths of this machine
    for (const c of def.containers) expect(c.image).to.match(/^epj-chaos\/[a-z-]+:[\w.]+$/);
    expect(referenceDefinitionText()).to.not.contain('/work/').and.to.not.contain('undefined');
  });
});
