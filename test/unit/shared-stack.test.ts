import { expect } from 'chai';
import { handOnStack, releaseSharedStack, takeSharedStack } from '../../harness/experiment/shared-stack.js';
import type { StartedStack } from '../../harness/stack/started-stack.js';

/** A stand-in for a started stack: only what the holder uses of one. */
function stack(runId: string, downs: string[]): StartedStack {
  return { runId, down: async () => void downs.push(runId) } as unknown as StartedStack;
}

describe('a stack handed on between experiments', () => {
  afterEach(async () => releaseSharedStack());

  it('goes to the next experiment asking for the same definition, once', async () => {
    const downs: string[] = [];
    await handOnStack('async', stack('r1', downs));
    expect((await takeSharedStack('async'))?.runId).to.equal('r1');
    expect(await takeSharedStack('async'), 'taken already').to.equal(undefined);
    expect(downs).to.deep.equal([]);
  });

  it('goes down when the next experiment wants another definition, or when another is handed on over it', async () => {
    const downs: string[] = [];
    await handOnStack('async', stack('r1', downs));
    expect(await takeSharedStack('remote_apply')).to.equal(undefined);
    expect(downs).to.deep.equal(['r1']);
    await handOnStack('async', stack('r2', downs));
    await handOnStack('async', stack('r3', downs));
    expect(downs).to.deep.equal(['r1', 'r2']);
    await releaseSharedStack();
    expect(downs).to.deep.equal(['r1', 'r2', 'r3']);
  });
});
