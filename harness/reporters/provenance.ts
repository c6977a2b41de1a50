import { execFile } from 'node:child_process';
import { readFile, realpath } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type Docker from 'dockerode';
import { connectDocker, dockerStatus, withTimeout } from '../docker/client.js';
import { IMAGES, PROJECT_ROOT } from '../images/catalog.js';
import type { Provenance } from './journal-schema.js';

export type { Provenance } from './journal-schema.js';

export interface ProvenanceOptions {
  /** the stack definition the run used: its containers' images are inspected (with the harness's Toxiproxy and reaper) */
  definition?: { containers: readonly { image: string }[]; runbooks?: Record<string, { steps: readonly { upgrade?: { image: string } }[] }> };
  /** images to inspect instead (default: the definition's, else every image of the project's catalog) */
  images?: readonly string[];
  /** an engine connection to use; null: do not ask Docker (images and the engine version stay null) */
  docker?: Docker | null;
  /** the bound on each part (Docker, git), ms (default 3000) */
  timeoutMs?: number;
  /** the harness's checkout (default: the project root) */
  root?: string;
}

/**
 * What a journal needs to say where its numbers came from: the harness (version, git commit and whether the work
 * tree differed from it), the tool versions, the images' ids, and the host (no hostname, nothing identifying).
 * It never throws: a piece that cannot be had within `timeoutMs` is null, and `problems` says why.
 */
export async function collectProvenance(opts: ProvenanceOptions = {}): Promise<Provenance> {
  const problems: string[] = [];
  const timeoutMs = opts.timeoutMs ?? 3000;
  const root = opts.root ?? PROJECT_ROOT;
  const note = (what: string, err: unknown) => problems.push(`${what}: ${oneLine(err)}`);
  const guard = async <T>(what: string, work: () => Promise<T>, fallback: T): Promise<T> => {
    try {
      return await withTimeout(work(), timeoutMs, `no answer within ${timeoutMs} ms`);
    } catch (err) {
      note(what, err);
      return fallback;
    }
  };

  const [pkg, commit, distro, engine] = await Promise.all([
    guard('package.json', () => readPackage(root), null),
    guard('git commit', () => gitCommit(root, timeoutMs), null),
    readDistro(),
    opts.docker === null
      ? Promise.resolve(null)
      : guard('docker', () => dockerFacts(opts, timeoutMs, (m) => problems.push(m)), null),
  ]);
  if (opts.docker === null) problems.push('docker: not asked (images and the engine version were not collected)');

  const cpus = safe(() => os.cpus(), []);
  return {
    collectedAt: new Date().toISOString(),
    harness: { name: pkg?.name ?? 'epj-chaos', version: pkg?.version ?? null, commit },
    tools: { pinned: pkg?.tools ?? null, node: process.version, docker: engine?.version ?? null },
    images: engine?.images ?? null,
    host: {
      os: safe(() => os.type(), 'unknown'),
      platform: process.platform,
      kernel: safe(() => os.release(), 'unknown'),
      arch: process.arch,
      distro,
      cpus: cpus.length,
      cpuModel: cpus[0]?.model?.trim() || null,
      totalMemoryBytes: safe(() => os.totalmem(), 0),
    },
    // a copy: a part that gave up on its timeout may still report into `problems` later
    problems: [...problems],
  };
}

/**
 * The images a run of `definition` used: its containers', those its runbooks upgrade containers to (a release
 * drill's candidate), and the harness's own equipment every run starts.
 */
export function imagesOf(opts: Pick<ProvenanceOptions, 'definition' | 'images'>): string[] {
  if (opts.images) return [...new Set(opts.images)];
  if (opts.definition) {
    const upgrades = Object.values(opts.definition.runbooks ?? {}).flatMap((r) => r.steps.flatMap((s) => (s.upgrade ? [s.upgrade.image] : [])));
    return [...new Set([...opts.definition.containers.map((c) => c.image), ...upgrades, IMAGES.toxiproxy, IMAGES.reaper])];
  }
  return [...new Set(Object.values(IMAGES))];
}

async function readPackage(root: string): Promise<{ name?: string; version?: string; tools?: Record<string, string> }> {
  const pkg = JSON.parse(await readFile(path.join(root, 'package.json'), 'utf8')) as {
    name?: string;
    version?: string;
    epjChaos?: { tools?: Record<string, unknown> };
  };
  const tools = pkg.epjChaos?.tools
    ? Object.fromEntries(Object.entries(pkg.epjChaos.tools).filter((e): e is [string, string] => typeof e[1] === 'string'))
    : undefined;
  return { ...(pkg.name ? { name: pkg.name } : {}), ...(pkg.version ? { version: pkg.version } : {}), ...(tools ? { tools } : {}) };
}

/** HEAD of the checkout at `root`, and whether tracked files differ from it; null when `root` is not a checkout's top. */
async function gitCommit(root: string, timeoutMs: number): Promise<{ sha: string; dirty: boolean } | null> {
  const git = (...args: string[]) =>
    new Promise<string>((resolve, reject) =>
      execFile('git', ['-C', root, ...args], { timeout: timeoutMs, encoding: 'utf8' }, (err, stdout, stderr) =>
        err ? reject(new Error(stderr.trim() || err.message)) : resolve(stdout),
      ),
    );
  let top: string;
  try {
    top = (await git('rev-parse', '--show-toplevel')).trim();
  } catch (err) {
    if (/not a git repository/i.test((err as Error).message)) return null;
    throw err;
  }
  // a harness installed inside some other repository (node_modules of a monorepo) has no commit of its own
  if ((await realpath(top)) !== (await realpath(root))) return null;
  const sha = (await git('rev-parse', 'HEAD')).trim();
  const status = await git('status', '--porcelain', '--untracked-files=no');
  return { sha, dirty: status.trim().length > 0 };
}

async function readDistro(): Promise<string | null> {
  try {
    const text = await readFile('/etc/os-release', 'utf8');
    const m = /^PRETTY_NAME=(.*)$/m.exec(text);
    return m ? m[1]!.trim().replace(/^["']|["']$/g, '') : null;
  } catch {
    return null;
  }
}

interface DockerFacts {
  version: { version: string | null; apiVersion: string | null } | null;
  images: NonNullable<Provenance['images']>;
}

async function dockerFacts(opts: ProvenanceOptions, timeoutMs: number, problem: (m: string) => void): Promise<DockerFacts> {
  const docker = opts.docker ?? (await connectDocker(timeoutMs, timeoutMs));
  const [version, images] = await Promise.all([
    docker.version().then(
      (v) => ({ version: v.Version ?? null, apiVersion: v.ApiVersion ?? null }),
      (err: unknown) => {
        problem(`docker version: ${oneLine(err)}`);
        return null;
      },
    ),
    Promise.all(
      imagesOf(opts).map(async (name) => {
        try {
          const info = await docker.getImage(name).inspect();
          return { name, id: info.Id ?? null, repoDigests: info.RepoDigests ?? [], created: info.Created ?? null };
        } catch (err) {
          problem(`image ${name}: ${dockerStatus(err) === 404 ? 'not present' : oneLine(err)}`);
          return { name, id: null, repoDigests: [], created: null };
        }
      }),
    ),
  ]);
  return { version, images };
}

function safe<T>(f: () => T, fallback: T): T {
  try {
    return f();
  } catch {
    return fallback;
  }
}

function oneLine(err: unknown): string {
  return (err instanceof Error ? err.message : String(err)).split('\n')[0]!.slice(0, 300);
}
