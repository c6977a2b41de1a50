import Docker from 'dockerode';
import { labelFilter } from '../../harness/docker/labels.js';

/** What Docker holds for a run, counted by label — what "nothing left behind" is checked against. */
export async function runObjects(run: string, docker = new Docker()) {
  const filters = labelFilter(run);
  const [containers, networks, volumes] = await Promise.all([
    docker.listContainers({ all: true, filters }),
    docker.listNetworks({ filters }),
    docker.listVolumes({ filters }),
  ]);
  return { containers: containers.length, networks: networks.length, volumes: (volumes.Volumes ?? []).length };
}

export const NOTHING = { containers: 0, networks: 0, volumes: 0 };
