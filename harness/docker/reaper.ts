import { hostname } from 'node:os';
import type Docker from 'dockerode';
import { dockerStatus } from './client.js';
import { LABEL, labelFilter } from './labels.js';
import { REAPER_OF, reaperFilter } from './reaper-sidecar.js';
import { processAlive } from '../util/process-alive.js';

/**
 * Removes what runs left behind, found by label only (as Testcontainers' reaper does): containers first, then the
 * networks and volumes they held. A run is stale when the process that owns it is gone — killed with SIGKILL, say —
 * or it was started detached (`stack up`) and is being cleaned explicitly. This is the belt: the braces are each
 * run's own immediate reaper (reaper-sidecar.ts), which removes the run within seconds of its owner's death.
 */

export interface RunSummary {
  run: string;
  stack: string;
  ownerPid: number;
  ownerHost: string;
  detached: boolean;
  ownerAlive: boolean;
  containers: number;
  networks: number;
  volumes: number;
}

export async function listRuns(docker: Docker): Promise<RunSummary[]> {
  const filters = labelFilter();
  const [containers, networks, volumes] = await Promise.all([
    docker.listContainers({ all: true, filters }),
    docker.listNetworks({ filters }),
    docker.listVolumes({ filters }),
  ]);
  const runs = new Map<string, RunSummary>();
  const note = (labels: Record<string, string> | undefined, kind: 'containers' | 'networks' | 'volumes') => {
    // a run's reaper carries the run id under its own key (reaper-sidecar.ts) and is counted with the run
    const run = labels?.[LABEL.run] ?? labels?.[REAPER_OF];
    if (!labels || !run) return;
    let s = runs.get(run);
    if (!s) {
      const ownerPid = Number(labels[LABEL.ownerPid]);
      const ownerHost = labels[LABEL.ownerHost] ?? '';
      s = {
        run,
        stack: labels[LABEL.stack] ?? '?',
        ownerPid,
        ownerHost,
        detached: labels[LABEL.detached] === 'true',
        ownerAlive: isAlive(ownerPid, ownerHost),
        containers: 0,
        networks: 0,
        volumes: 0,
      };
      runs.set(run, s);
    }
    s[kind]++;
  };
  for (const c of containers) note(c.Labels, 'containers');
  for (const n of networks) note(n.Labels, 'networks');
  for (const v of volumes.Volumes ?? []) note(v.Labels ?? undefined, 'volumes');
  return [...runs.values()].sort((a, b) => a.run.localeCompare(b.run));
}

function isAlive(pid: number, host: string): boolean {
  if (host !== hostname()) return true; // cannot judge another host's processes: leave its runs alone
  return processAlive(pid);
}

/**
 * Removes every object labelled with this run id, then the run's reaper (unless `keepReaper`: a clean `down`
 * keeps it armed until the rest is gone). Safe to call twice, and on a half-created run.
 */
export async function removeRun(docker: Docker, run: string, settleMs = 0, opts: { keepReaper?: boolean } = {}): Promise<void> {
  await removeLabelled(docker, run, labelFilter(run), settleMs);
  if (!opts.keepReaper) await removeLabelled(docker, run, reaperFilter(run), 0);
}

/**
 * A killed owner may have had creates in flight that the engine completes after it died, so removal repeats
 * until a listing comes back empty (with a short pause, so late arrivals have landed).
 */
async function removeLabelled(docker: Docker, run: string, filters: { label: string[] }, settleMs: number): Promise<void> {
  for (let pass = 0; pass < 10; pass++) {
    if (pass > 0 || settleMs > 0) await new Promise((r) => setTimeout(r, pass === 0 ? settleMs : 200));
    const containers = await docker.listContainers({ all: true, filters });
    await Promise.all(containers.map((c) => ignoreGone(docker.getContainer(c.Id).remove({ force: true, v: true }))));
    const networks = await docker.listNetworks({ filters });
    await Promise.all(networks.map((n) => ignoreGone(docker.getNetwork(n.Id).remove())));
    const volumes = (await docker.listVolumes({ filters })).Volumes ?? [];
    await Promise.all(volumes.map((v) => ignoreGone(docker.getVolume(v.Name).remove())));
    if (containers.length + networks.length + volumes.length === 0) return;
  }
  throw new Error(`run ${run}: objects keep reappearing or cannot be removed; see \`docker ps -a --filter label=${LABEL.run}=${run}\``);
}

export type ReapScope = { kind: 'stale' } | { kind: 'orphaned' } | { kind: 'all' } | { kind: 'run'; run: string };

/**
 * `orphaned`: runs whose owner died and that were not started detached — what `up` reaps before it starts.
 * `stale`: every run whose owner process is gone, detached stacks included — what `clean` removes by default.
 */
export async function reap(docker: Docker, scope: ReapScope): Promise<RunSummary[]> {
  const runs = await listRuns(docker);
  const chosen = runs.filter((r) => {
    switch (scope.kind) {
      case 'all':
        return true;
      case 'run':
        return r.run === scope.run;
      case 'stale':
        return !r.ownerAlive;
      case 'orphaned':
        return !r.ownerAlive && !r.detached;
    }
  });
  // a dead owner's last requests may still be landing: give them a moment before the first listing
  for (const r of chosen) await removeRun(docker, r.run, r.ownerAlive ? 0 : 500);
  return chosen;
}

async function ignoreGone(p: Promise<unknown>): Promise<void> {
  try {
    await p;
  } catch (err) {
    const status = dockerStatus(err);
    // 404: already gone; 409: removal already in progress, or a volume still held (the next pass retries);
    // 403: a network with endpoints still attached (likewise)
    if (status !== 404 && status !== 409 && status !== 403) throw err;
  }
}
