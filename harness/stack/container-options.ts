import type Docker from 'dockerode';
import { LABEL } from '../docker/labels.js';
import type { ContainerSpec } from './definition.js';
import { objectName } from './names.js';

/**
 * How a container of a stack is created from its definition: its run's name, its site's network (where its name
 * is its address), its volumes, its labels. One place, used when the stack comes up (harness/stack/up.ts) and when
 * a runbook upgrades a container to another image (harness/runbooks/steps/upgrade.ts), so an upgraded container is
 * the same container in every way but its image.
 */
export function containerCreateOptions(run: string, c: ContainerSpec, siteNetworkId: string, runLabels: Record<string, string>): Docker.ContainerCreateOptions {
  return {
    name: objectName(run, c.name),
    Image: c.image,
    Hostname: c.name,
    Env: Object.entries(c.env).map(([k, v]) => `${k}=${v}`),
    ...(c.command ? { Cmd: c.command } : {}),
    Labels: { ...runLabels, [LABEL.site]: c.site, [LABEL.role]: c.role, [LABEL.component]: c.name },
    HostConfig: {
      NetworkMode: siteNetworkId,
      Mounts: c.volumes.map((v) => ({ Type: 'volume' as const, Source: objectName(run, v.name), Target: v.path })),
      RestartPolicy: { Name: 'no' },
    },
    NetworkingConfig: { EndpointsConfig: { [siteNetworkId]: { Aliases: [c.name] } } },
  };
}
