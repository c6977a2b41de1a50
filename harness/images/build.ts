import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { cp, mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type Docker from 'dockerode';
import { HarnessError } from '../errors.js';
import { dockerStatus } from '../docker/client.js';
import { IMAGES, PROJECT_ROOT, TOOLS, VENDOR_IMAGES } from './catalog.js';
import { buildEpjLoadBinary } from '../workload/build-epj-load.js';

/**
 * Builds every image the reference stack needs, offline: a Debian base from debootstrap (imported, never pulled),
 * static Go binaries (the EPJ fixture, the pinned Toxiproxy server), then the project's Dockerfiles FROM the base.
 * Each image carries the hash of its inputs, so a second run with nothing changed only compares hashes.
 */

export interface BuildImagesOptions {
  /** a public base image (e.g. debian:bookworm-slim) instead of the debootstrap one, where a registry is reachable */
  base?: string;
  /** rebuild even when the inputs are unchanged */
  force?: boolean;
  /** Debian mirror for debootstrap */
  mirror?: string;
  log?: (line: string) => void;
}

export interface ImageStep {
  title: string;
  run: (log: (line: string) => void) => Promise<string>;
}

const BUILD_DIR = path.join(PROJECT_ROOT, '.build');
export const TOOLS_BIN = path.join(PROJECT_ROOT, '.tools', 'bin');
const HASH_LABEL = 'epj-chaos.input-hash';
const BASE_PACKAGES = [`postgresql-${TOOLS.postgresMajor}`, 'ca-certificates', 'tzdata'];

/** The build as ordered steps, so a caller can show progress per step. */
export function imageSteps(docker: Docker, opts: BuildImagesOptions = {}): ImageStep[] {
  const base = opts.base ?? IMAGES.base;
  return [
    ...(opts.base
      ? []
      : [{ title: `base image ${IMAGES.base} (debootstrap)`, run: (log: (l: string) => void) => ensureBaseImage(docker, opts, log) }]),
    { title: `Toxiproxy server ${TOOLS.toxiproxy} (go install)`, run: () => ensureToxiproxyBinary() },
    { title: 'EPJ service binary (go build)', run: () => buildGoBinary('fixtures/epj', 'epj') },
    // the second "release": the same EPJ with a planted regression (fixtures/epj/regression.go), for release comparison
    {
      title: 'EPJ service binary with the planted regression (go build)',
      run: () => buildGoBinary('fixtures/epj', 'epj', { into: 'regressed', ldflags: '-X main.plantedRegression=slow-reconnect' }),
    },
    { title: 'epj-load, the vegeta load generator (go build)', run: () => buildEpjLoadBinary() },
    { title: 'reaper binary (go build)', run: () => buildGoBinary('docker/reaper', 'epj-chaos-reaper') },
    { title: 'integration engine binary (go build)', run: () => buildGoBinary('fixtures/integration-engine', 'integration-engine') },
    {
      title: `image ${IMAGES.toxiproxy}`,
      run: (log) =>
        buildImage(docker, IMAGES.toxiproxy, [path.join(PROJECT_ROOT, 'docker/toxiproxy/Dockerfile'), path.join(TOOLS_BIN, 'toxiproxy-server')], {}, opts, log),
    },
    {
      title: `image ${IMAGES.postgres}`,
      run: (log) =>
        buildImage(
          docker,
          IMAGES.postgres,
          [
            ...['Dockerfile', 'entrypoint.sh', 'postgresql.conf', 'pg_hba.conf'].map((f) => path.join(PROJECT_ROOT, 'docker/postgres', f)),
            path.join(PROJECT_ROOT, 'fixtures/epj/schema.sql'),
          ],
          { BASE: base, PG_MAJOR: TOOLS.postgresMajor },
          opts,
          log,
        ),
    },
    {
      title: `image ${IMAGES.epj}`,
      run: (log) =>
        buildImage(docker, IMAGES.epj, [path.join(PROJECT_ROOT, 'docker/epj/Dockerfile'), path.join(BUILD_DIR, 'bin', 'epj')], { BASE: base }, opts, log),
    },
    {
      title: `image ${IMAGES.epjRegressed}`,
      run: (log) =>
        buildImage(docker, IMAGES.epjRegressed, [path.join(PROJECT_ROOT, 'docker/epj/Dockerfile'), path.join(BUILD_DIR, 'bin', 'regressed', 'epj')], { BASE: base }, opts, log),
    },
    {
      title: `image ${IMAGES.integrationEngine}`,
      run: (log) =>
        buildImage(
          docker,
          IMAGES.integrationEngine,
          [path.join(PROJECT_ROOT, 'docker/integration-engine/Dockerfile'), path.join(BUILD_DIR, 'bin', 'integration-engine')],
          {},
          opts,
          log,
        ),
    },
    {
      title: `image ${IMAGES.reaper}`,
      run: (log) =>
        buildImage(docker, IMAGES.reaper, [path.join(PROJECT_ROOT, 'docker/reaper/Dockerfile'), path.join(BUILD_DIR, 'bin', 'epj-chaos-reaper')], {}, opts, log),
    },
  ];
}

/**
 * The HAPI FHIR vendor-example stack's image (fixtures/stacks/hapi.json): the project's Spring Boot application
 * around HAPI's JPA server, packaged by Maven (its libraries from Maven Central; a no-op when nothing changed),
 * then FROM the same base with Debian's JRE.
 */
export function hapiImageSteps(docker: Docker, opts: BuildImagesOptions = {}): ImageStep[] {
  const app = path.join(PROJECT_ROOT, 'fixtures', 'hapi');
  const jar = path.join(app, 'target', 'epj-chaos-hapi.jar');
  return [
    {
      title: 'HAPI FHIR application (mvn package)',
      run: async (log) => {
        await requireCommand('mvn', 'apt-get install -y maven openjdk-17-jdk-headless');
        await run('mvn', ['-q', '-B', 'package', '-DskipTests'], { cwd: app, log });
        return 'built';
      },
    },
    {
      title: `image ${VENDOR_IMAGES.hapi}`,
      run: (log) => buildImage(docker, VENDOR_IMAGES.hapi, [path.join(PROJECT_ROOT, 'docker/hapi/Dockerfile'), jar], { BASE: opts.base ?? IMAGES.base }, opts, log),
    },
  ];
}

export async function buildImages(docker: Docker, opts: BuildImagesOptions = {}): Promise<void> {
  const log = opts.log ?? (() => {});
  for (const step of imageSteps(docker, opts)) {
    const outcome = await step.run(log);
    log(`${step.title}: ${outcome}`);
  }
}

export async function imageExists(docker: Docker, name: string): Promise<boolean> {
  try {
    await docker.getImage(name).inspect();
    return true;
  } catch (err) {
    if (dockerStatus(err) === 404) return false;
    throw err;
  }
}

async function ensureBaseImage(docker: Docker, opts: BuildImagesOptions, log: (l: string) => void): Promise<string> {
  const inputs = hashOf([TOOLS.debianSuite, ...BASE_PACKAGES].join('\n'));
  if (!opts.force && (await imageHash(docker, IMAGES.base)) === inputs) return 'up to date';
  const rootfs = path.join(BUILD_DIR, `rootfs-${TOOLS.debianSuite}`);
  const done = path.join(rootfs, '.epj-chaos-complete');
  if (opts.force || !existsSync(done) || (await readFile(done, 'utf8')) !== inputs) {
    if (process.getuid?.() !== 0) {
      throw new HarnessError('building the base image needs root (debootstrap)', 'not-root', 'run `sudo npm run setup`');
    }
    await requireCommand('debootstrap', 'apt-get install -y debootstrap');
    await rm(rootfs, { recursive: true, force: true });
    await mkdir(rootfs, { recursive: true });
    const mirror = opts.mirror ?? process.env.EPJ_CHAOS_DEBIAN_MIRROR ?? 'http://deb.debian.org/debian';
    await run('debootstrap', ['--variant=minbase', `--include=${BASE_PACKAGES.join(',')}`, TOOLS.debianSuite, rootfs, mirror], { log });
    // Package caches are dead weight in an image that never runs apt offline.
    for (const dir of ['var/cache/apt/archives', 'var/lib/apt/lists', 'usr/share/doc', 'usr/share/man']) {
      await rm(path.join(rootfs, dir), { recursive: true, force: true });
      await mkdir(path.join(rootfs, dir), { recursive: true });
    }
    await writeFile(done, inputs);
  }
  const [repo, tag] = IMAGES.base.split(':') as [string, string];
  const tar = spawn('tar', ['-C', rootfs, '--exclude=./.epj-chaos-complete', '-c', '.'], { stdio: ['ignore', 'pipe', 'inherit'] });
  const stream = await docker.importImage(tar.stdout as unknown as string, {
    repo,
    tag,
    changes: [`LABEL ${HASH_LABEL}=${inputs}`, 'CMD ["/bin/bash"]'],
  } as object);
  await followProgress(docker, stream, log);
  return 'imported';
}

async function ensureToxiproxyBinary(): Promise<string> {
  const bin = path.join(TOOLS_BIN, 'toxiproxy-server');
  const versionFile = `${bin}.version`;
  if (existsSync(bin) && existsSync(versionFile) && (await readFile(versionFile, 'utf8')) === TOOLS.toxiproxy) return 'up to date';
  await requireCommand('go', 'apt-get install -y golang (Go ≥ 1.22)');
  const gobin = path.join(BUILD_DIR, 'gobin');
  await mkdir(gobin, { recursive: true });
  await run('go', ['install', '-trimpath', '-ldflags=-s -w', `github.com/Shopify/toxiproxy/v2/cmd/server@${TOOLS.toxiproxy}`], {
    env: { ...process.env, GOBIN: gobin, CGO_ENABLED: '0', GOFLAGS: '-mod=mod' },
  });
  await mkdir(TOOLS_BIN, { recursive: true });
  await cp(path.join(gobin, 'server'), bin);
  await writeFile(versionFile, TOOLS.toxiproxy);
  return `installed ${TOOLS.toxiproxy}`;
}

/**
 * A static Go binary (CGO off) of one of the project's own modules, into .build/bin: the EPJ (fixtures/epj), the
 * integration engine (fixtures/integration-engine) and the reaper (docker/reaper), each standard library or pinned
 * modules only, so their images can be FROM the offline base or FROM scratch.
 */
async function buildGoBinary(moduleDir: string, binary: string, variant: { into?: string; ldflags?: string } = {}): Promise<string> {
  await requireCommand('go', 'apt-get install -y golang (Go ≥ 1.22)');
  const out = path.join(BUILD_DIR, 'bin', ...(variant.into ? [variant.into] : []), binary);
  await run('go', ['build', '-trimpath', `-ldflags=-s -w${variant.ldflags ? ` ${variant.ldflags}` : ''}`, '-o', out, '.'], {
    cwd: path.join(PROJECT_ROOT, moduleDir),
    env: { ...process.env, CGO_ENABLED: '0' },
  });
  return 'built';
}

/** Builds `name` from the given files (flat context) unless an image with the same input hash exists. */
async function buildImage(
  docker: Docker,
  name: string,
  files: string[],
  buildargs: Record<string, string>,
  opts: BuildImagesOptions,
  log: (l: string) => void,
): Promise<string> {
  const contents = await Promise.all(files.map((f) => readFile(f)));
  const inputs = hashOf(
    JSON.stringify(buildargs),
    ...files.flatMap((f, i) => [path.basename(f), contents[i]!]),
  );
  if (!opts.force && (await imageHash(docker, name)) === inputs) return 'up to date';
  const context = path.join(BUILD_DIR, 'context', name.replace(/[/:]/g, '_'));
  await rm(context, { recursive: true, force: true });
  await mkdir(context, { recursive: true });
  await Promise.all(files.map((f) => cp(f, path.join(context, path.basename(f)), { preserveTimestamps: true })));
  const stream = await docker.buildImage(
    { context, src: await readdir(context) },
    { t: name, buildargs, labels: { [HASH_LABEL]: inputs }, rm: true, forcerm: true },
  );
  await followProgress(docker, stream, log);
  return 'built';
}

async function imageHash(docker: Docker, name: string): Promise<string | undefined> {
  try {
    const info = await docker.getImage(name).inspect();
    return info.Config?.Labels?.[HASH_LABEL];
  } catch (err) {
    if (dockerStatus(err) === 404) return undefined;
    throw err;
  }
}

function followProgress(docker: Docker, stream: NodeJS.ReadableStream, log: (l: string) => void): Promise<void> {
  return new Promise((resolve, reject) => {
    docker.modem.followProgress(
      stream,
      (err: Error | null, output: { error?: string; errorDetail?: { message?: string } }[]) => {
        const failed = err?.message ?? output.find((o) => o.error)?.error;
        if (failed) reject(new HarnessError(`image build failed: ${failed}`, 'image-build'));
        else resolve();
      },
      (event: { stream?: string; status?: string }) => {
        const line = (event.stream ?? event.status ?? '').trim();
        if (line) log(line);
      },
    );
  });
}

function hashOf(...parts: (string | Buffer)[]): string {
  const h = createHash('sha256');
  for (const p of parts) h.update(p).update('\0');
  return h.digest('hex').slice(0, 16);
}

async function requireCommand(cmd: string, fix: string): Promise<void> {
  try {
    await run('sh', ['-c', `command -v ${cmd}`], {});
  } catch {
    throw new HarnessError(`'${cmd}' is not installed`, 'missing-tool', fix);
  }
}

/** Runs a command; on failure the error carries the tail of its output. */
export function run(
  cmd: string,
  args: string[],
  o: { cwd?: string; env?: NodeJS.ProcessEnv; log?: (l: string) => void },
): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { cwd: o.cwd, env: o.env ?? process.env, stdio: ['ignore', 'pipe', 'pipe'] });
    let tail = '';
    const take = (chunk: Buffer) => {
      const text = chunk.toString();
      tail = (tail + text).slice(-4000);
      for (const line of text.split('\n')) if (line.trim()) o.log?.(line.trim());
    };
    child.stdout.on('data', take);
    child.stderr.on('data', take);
    child.on('error', (err) => reject(new HarnessError(`${cmd} could not start: ${err.message}`, 'command-failed')));
    child.on('close', (code) => {
      if (code === 0) resolve(tail);
      else reject(new HarnessError(`${cmd} ${args.join(' ')} exited with ${code}:\n${tail.trim()}`, 'command-failed'));
    });
  });
}
