import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type Docker from 'dockerode';
import { connectDocker } from '../docker/client.js';
import { describeError } from '../errors.js';
import { run, TOOLS_BIN } from '../images/build.js';
import { IMAGES, TOOLS } from '../images/catalog.js';
import { dockerStatus } from '../docker/client.js';
import { EPJ_LOAD_BIN } from '../workload/build-epj-load.js';

export interface Check {
  name: string;
  ok: boolean;
  version?: string;
  fix?: string;
}

const SETUP = 'npm run setup';

/** Each prerequisite of a run, with its version and the exact fix when it is missing. */
export async function diagnose(): Promise<Check[]> {
  const checks: Check[] = [];
  const [major = 0, minor = 0] = process.versions.node.split('.').map(Number);
  checks.push({
    name: 'Node.js ≥ 20.19',
    ok: major > 20 || (major === 20 && minor >= 19),
    version: process.versions.node,
    fix: 'install Node.js 20.19 or newer',
  });
  checks.push(await command('Go toolchain', 'go', ['version'], 'apt-get install -y golang, or Go ≥ 1.22 from go.dev'));
  checks.push(await command('debootstrap', 'debootstrap', ['--version'], 'apt-get install -y debootstrap'));

  let docker: Docker | undefined;
  try {
    docker = await connectDocker(3000);
    const v = await docker.version();
    const info = (await docker.info()) as { Driver?: string };
    checks.push({ name: 'Docker daemon', ok: true, version: `${v.Version} (API ${v.ApiVersion}, ${info.Driver})` });
  } catch (err) {
    checks.push({ name: 'Docker daemon', ok: false, version: describeError(err).split('\n')[0], fix: `${SETUP} (installs docker.io and starts dockerd)` });
  }

  const toxi = path.join(TOOLS_BIN, 'toxiproxy-server');
  const toxiVersion = existsSync(`${toxi}.version`) ? readFileSync(`${toxi}.version`, 'utf8') : undefined;
  checks.push({
    name: `Toxiproxy server ${TOOLS.toxiproxy}`,
    ok: existsSync(toxi) && toxiVersion === TOOLS.toxiproxy,
    version: toxiVersion ?? 'not built',
    fix: `${SETUP} (go install github.com/Shopify/toxiproxy/v2/cmd/server@${TOOLS.toxiproxy})`,
  });

  checks.push({
    name: 'epj-load (vegeta load generator)',
    ok: existsSync(EPJ_LOAD_BIN),
    version: existsSync(`${EPJ_LOAD_BIN}.hash`) ? `source ${readFileSync(`${EPJ_LOAD_BIN}.hash`, 'utf8')}` : 'not built',
    fix: `${SETUP} (go build of harness/workload/epj-load)`,
  });

  for (const image of Object.values(IMAGES)) {
    if (!docker) {
      checks.push({ name: `image ${image}`, ok: false, version: 'unknown (no daemon)', fix: SETUP });
      continue;
    }
    try {
      const info = await docker.getImage(image).inspect();
      checks.push({ name: `image ${image}`, ok: true, version: `${info.Id.slice(7, 19)} ${(info.Size / 1e6).toFixed(0)} MB` });
    } catch (err) {
      if (dockerStatus(err) !== 404) throw err;
      checks.push({ name: `image ${image}`, ok: false, version: 'not built', fix: `${SETUP} (or epj-chaos images build)` });
    }
  }
  return checks;
}

async function command(name: string, cmd: string, args: string[], fix: string): Promise<Check> {
  try {
    const out = await run(cmd, args, {});
    return { name, ok: true, version: out.trim().split('\n')[0] };
  } catch {
    return { name, ok: false, version: 'not found', fix };
  }
}
