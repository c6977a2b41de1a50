import type { Provenance } from '../../harness/reporters/journal-schema.js';

/** A fixed provenance for journals built in tests (no Docker, no git): what collectProvenance would say, made up. */
export function fakeProvenance(t0: number): Provenance {
  return {
    collectedAt: new Date(t0).toISOString(),
    harness: { name: 'epj-chaos', version: '0.1.0', commit: { sha: 'a'.repeat(40), dirty: false } },
    tools: { pinned: { toxiproxy: 'v2.12.0' }, node: process.version, docker: { version: '27.0.0', apiVersion: '1.46' } },
    images: [{ name: 'epj-chaos/epj:dev', id: `sha256:${'b'.repeat(64)}`, repoDigests: [], created: null }],
    host: { os: 'Linux', platform: 'linux', kernel: '6.1.0', arch: 'x64', distro: null, cpus: 2, cpuModel: null, totalMemoryBytes: 4 * 2 ** 30 },
    problems: [],
  };
}
