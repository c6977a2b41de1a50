import path from 'node:path';
import { expect } from 'chai';
import { readExperimentSource } from '../../harness/experiment/source.js';
import { PROJECT_ROOT } from '../../harness/images/catalog.js';

describe('experiment source: the text a journal keeps of what was run', () => {
  it('shows a compiled experiment as the TypeScript it came from, by its path in the project', async () => {
    const source = await readExperimentSource(path.join(PROJECT_ROOT, 'dist', 'experiments', 'holstebro-replay.experiment.js'));
    expect(source?.file).to.equal(path.join('experiments', 'holstebro-replay.experiment.ts'));
    expect(source?.text).to.match(/^\/\*\*\n \* Holstebro, replayed\./);
  });

  it('is undefined, not an error, for a file that cannot be read', async () => {
    expect(await readExperimentSource(path.join(PROJECT_ROOT, 'experiments', 'no-such.experiment.ts'))).to.equal(undefined);
  });
});
