import type Docker from 'dockerode';
import { AbortedError, HarnessError } from '../errors.js';
import { dockerStatus } from './client.js';
import { LABEL, labelFilter } from './labels.js';
import { logTail } from './logs.js';

/**
 * A one-off container (pg_rewind, pg_basebackup, …) run to completion for a run. It carries the run's labels, so a
 * harness killed while it runs leaves something `clean` (and the next `up`'s reaper) will find and remove; and it is
 * removed here on every exit path: done, failed, timed out, aborted.
 */

export interface OneOffSpec {
  /** run whose labels the container carries (copied from one of its containers) */
  run: string;
  image: string;
  /** what it is for, e.g. `rejoin-a-db`; becomes the component label */
  purpose: string;
  /** site whose label it carries (default `harness`) */
  site?: string;
  cmd?: string[];
  entrypoint?: string[];
  env?: Record<string, string>;
  mounts?: { volume: string; target: string; readOnly?: boolean }[];
  /** docker network to join (e.g. a site network, to reach `toxiproxy:<port>` as that site does) */
  network?: string;
  user?: string;
  timeoutMs?: number;
  signal?: AbortSignal;
  /** lines of log to return */
  tailLines?: number;
}

export interface OneOffResult {
  exitCode: number;
  logs: string;
  durationMs: number;
}

export async function runOneOff(docker: Docker, spec: OneOffSpec): Promise<OneOffResult> {
  if (spec.signal?.aborted) throw new AbortedError(`one-off ${spec.purpose}`);
  const labels = await runLabelsOf(docker, spec.run);
  const started = Date.now();
  const container = await docker.createContainer({
    Image: spec.image,
    ...(spec.cmd ? { Cmd: spec.cmd } : {}),
    ...(spec.entrypoint ? { Entrypoint: spec.entrypoint } : {}),
    ...(spec.user ? { User: spec.user } : {}),
    Env: Object.entries(spec.env ?? {}).map(([k, v]) => `${k}=${v}`),
    Labels: { ...labels, [LABEL.site]: spec.site ?? 'harness', [LABEL.role]: 'one-off', [LABEL.component]: spec.purpose },
    HostConfig: {
      ...(spec.network ? { NetworkMode: spec.network } : { NetworkMode: 'none' }),
      Mounts: (spec.mounts ?? []).map((m) => ({ Type: 'volume' as const, Source: m.volume, Target: m.target, ReadOnly: !!m.readOnly })),
      RestartPolicy: { Name: 'no' },
    },
  });
  let timer: NodeJS.Timeout | undefined;
  let onAbort: (() => void) | undefined;
  try {
    // Attached before start() so even an instant exit is seen; `next-exit`, because the default (`not-running`)
    // answers at once for a container that is only created.
    const waited = container.wait({ condition: 'next-exit' }) as Promise<{ StatusCode: number }>;
    await container.start();
    const timeoutMs = spec.timeoutMs ?? 120_000;
    const stop = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new HarnessError(`one-off ${spec.purpose} did not finish within ${timeoutMs} ms`, 'one-off-timeout')), timeoutMs);
      onAbort = () => reject(new AbortedError(`one-off ${spec.purpose}`));
      spec.signal?.addEventListener('abort', onAbort, { once: true });
    });
    let status: { StatusCode: number };
    try {
      status = await Promise.race([waited, stop]);
    } catch (err) {
      const logs = await logTail(docker, container.id, spec.tailLines ?? 30);
      if (err instanceof HarnessError) err.message += `; its last output:\n${logs}`;
      throw err;
    }
    return { exitCode: status.StatusCode, logs: await logTail(docker, container.id, spec.tailLines ?? 30), durationMs: Date.now() - started };
  } finally {
    clearTimeout(timer);
    if (onAbort) spec.signal?.removeEventListener('abort', onAbort);
    await container.remove({ force: true, v: true }).catch((err: unknown) => {
      if (dockerStatus(err) !== 404 && dockerStatus(err) !== 409) throw err;
    });
  }
}

/** The run's ownership labels (run, stack, owner pid/host, detached), copied from a container of the run. */
async function runLabelsOf(docker: Docker, run: string): Promise<Record<string, string>> {
  const [any] = await docker.listContainers({ all: true, filters: labelFilter(run) });
  if (!any) throw new HarnessError(`run '${run}' has no containers to take labels from`, 'no-such-run');
  const ownership = [LABEL.managed, LABEL.run, LABEL.stack, LABEL.ownerPid, LABEL.ownerHost, LABEL.detached] as string[];
  return Object.fromEntries(Object.entries(any.Labels).filter(([k]) => ownership.includes(k)));
}
