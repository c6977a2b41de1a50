import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import path from 'node:path';

/** Project root (where package.json is), found from this file whether it runs from dist/ or via a loader. */
export const PROJECT_ROOT = findRoot(path.dirname(fileURLToPath(import.meta.url)));

function findRoot(dir: string): string {
  for (let d = dir; ; d = path.dirname(d)) {
    try {
      const pkg = JSON.parse(readFileSync(path.join(d, 'package.json'), 'utf8')) as { name?: string };
      if (pkg.name === 'epj-chaos') return d;
    } catch {
      /* keep looking upwards */
    }
    if (path.dirname(d) === d) throw new Error(`epj-chaos package.json not found above ${dir}`);
  }
}

interface PinnedTools {
  toxiproxy: string;
  debianSuite: string;
  postgresMajor: string;
}

/** The pinned tool versions live in one place: package.json → epjChaos.tools (setup.sh reads the same). */
export const TOOLS: PinnedTools = (
  JSON.parse(readFileSync(path.join(PROJECT_ROOT, 'package.json'), 'utf8')) as { epjChaos: { tools: PinnedTools } }
).epjChaos.tools;

/**
 * Images of the vendor-example stacks (fixtures/stacks/), built only on request (`images build --hapi`,
 * `npm run test:vendor`): not part of the reference stack, so neither `doctor` nor a run's provenance asks for them.
 */
export const VENDOR_IMAGES = {
  /** HAPI FHIR's JPA server in the project's Spring Boot application (fixtures/hapi, docker/hapi) */
  hapi: 'epj-chaos/hapi:dev',
} as const;

export const IMAGES = {
  base: `epj-chaos/base:${TOOLS.debianSuite}`,
  postgres: `epj-chaos/postgres:${TOOLS.postgresMajor}`,
  epj: 'epj-chaos/epj:dev',
  /** the same EPJ with a planted regression (a slow reconnect, fixtures/epj/regression.go): a second release to compare */
  epjRegressed: 'epj-chaos/epj:regressed',
  /** the national endpoints the EPJ calls before it commits (fixtures/integration-engine) */
  integrationEngine: 'epj-chaos/integration-engine:dev',
  toxiproxy: `epj-chaos/toxiproxy:${TOOLS.toxiproxy.replace(/^v/, '')}`,
  /** the immediate reaper of a run (docker/reaper, docs/reaper.md) */
  reaper: 'epj-chaos/reaper:dev',
} as const;
