import { execFileSync } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import type Docker from 'dockerode';
import { IMAGES, PROJECT_ROOT } from '../../../harness/images/catalog.js';
import { provenanceSchema } from '../../../harness/reporters/journal-schema.js';
import { collectProvenance, imagesOf } from '../../../harness/reporters/provenance.js';

/** A stand-in for dockerode: only what collectProvenance asks of it. */
function fakeDocker(opts: { hang?: boolean; images?: Record<string, string> }): Docker {
  const never = new Promise<never>(() => {});
  return {
    version: async () => (opts.hang ? never : { Version: '27.5.1', ApiVersion: '1.47' }),
    getImage: (name: string) => ({
      inspect: async () => {
        if (opts.hang) return never;
        const id = opts.images?.[name];
        if (!id) throw Object.assign(new Error(`(HTTP code 404) no such image - ${name}`), { statusCode: 404 });
        return { Id: id, RepoDigests: [], Created: '2026-11-01T00:00:00Z' };
      },
    }),
  } as unknown as Docker;
}

describe('journal provenance', () => {
  it('records the harness\'s commit (and whether the tree differs), tools and host, without asking Docker when told not to', async () => {
    const p = await collectProvenance({ docker: null });
    expect(provenanceSchema.safeParse(p).success).to.equal(true);
    let head: string | undefined;
    try {
      head = execFileSync('git', ['-C', PROJECT_ROOT, 'rev-parse', 'HEAD'], { encoding: 'utf8' }).trim();
    } catch {
      head = undefined; // not a checkout here
    }
    if (head) expect(p.harness.commit?.sha).to.equal(head);
    else expect(p.harness.commit).to.equal(null);
    expect(p.harness.version).to.match(/^\d+\.\d+\.\d+/);
    expect(p.tools.pinned).to.have.property('toxiproxy');
    expect(p.tools.node).to.equal(process.version);
    expect([p.tools.docker, p.images]).to.deep.equal([null, null]);
    expect(p.host.cpus).to.be.greaterThan(0);
    expect(p.host.totalMemoryBytes).to.be.greaterThan(0);
    expect(Object.keys(p.host)).to.not.include('hostname');
  });

  it('outside a checkout: commit and version are null, and it says why, without throwing', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'epj-chaos-prov-'));
    try {
      const p = await collectProvenance({ docker: null, root: dir });
      expect(p.harness.commit).to.equal(null);
      expect(p.harness.version).to.equal(null);
      expect(p.problems.join('\n')).to.match(/package\.json/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('takes the images\' ids and the engine version; a missing image is null, named in problems', async () => {
    const definition = { containers: [{ image: IMAGES.epj }, { image: IMAGES.postgres }, { image: IMAGES.epj }] };
    expect(imagesOf({ definition })).to.deep.equal([IMAGES.epj, IMAGES.postgres, IMAGES.toxiproxy, IMAGES.reaper]);
    const docker = fakeDocker({ images: { [IMAGES.epj]: 'sha256:aaa', [IMAGES.toxiproxy]: 'sha256:ttt', [IMAGES.reaper]: 'sha256:rrr' } });
    const p = await collectProvenance({ definition, docker });
    expect(p.tools.docker).to.deep.equal({ version: '27.5.1', apiVersion: '1.47' });
    expect(p.images!.map((i) => [i.name, i.id])).to.deep.equal([
      [IMAGES.epj, 'sha256:aaa'],
      [IMAGES.postgres, null],
      [IMAGES.toxiproxy, 'sha256:ttt'],
      [IMAGES.reaper, 'sha256:rrr'],
    ]);
    expect(p.problems).to.include(`image ${IMAGES.postgres}: not present`);
  });

  it('an engine that does not answer costs at most the timeout, and nothing else', async () => {
    const started = Date.now();
    const p = await collectProvenance({ docker: fakeDocker({ hang: true }), timeoutMs: 300 });
    expect(Date.now() - started).to.be.below(2000);
    expect(p.images).to.equal(null);
    expect(p.tools.docker).to.equal(null);
    expect(p.problems.join('\n')).to.match(/docker: no answer within 300 ms/);
    expect(p.host.cpus).to.be.greaterThan(0);
  });
});
