import type Docker from 'dockerode';
import type pg from 'pg';
import { queryOnce } from '../stack/wait/for-postgres.js';
import { dockerStatus } from '../docker/client.js';
import { LABEL, labelFilter } from '../docker/labels.js';
import { logTail } from '../docker/logs.js';
import { HarnessError } from '../errors.js';
import type { StartedStack } from '../stack/started-stack.js';

/** Steps the runbooks (harness/runbooks/steps/) are made of: the stack only through its published links and by label. */

/**
 * One statement on a fresh connection through a published link, with an operator's patience. A failure names the
 * link: "Connection terminated unexpectedly" alone does not say which of a stack's databases was out of reach.
 */
export async function sql<T extends pg.QueryResultRow>(
  stack: StartedStack,
  link: string,
  text: string,
  params: unknown[] = [],
  timeoutMs = 5000,
  as: { user?: string; database?: string } = {},
): Promise<T[]> {
  try {
    return await queryOnce<T>(stack.linkPort(link), as.user ?? 'postgres', text, params, as.database ?? 'postgres', { connectMs: 2000, queryMs: timeoutMs });
  } catch (err) {
    if (err instanceof HarnessError) throw err;
    throw new HarnessError(`SQL through link '${link}' failed: ${err instanceof Error ? err.message : String(err)}`, 'sql-failed');
  }
}

/**
 * Points a front-door proxy at another upstream and reads it back. Toxiproxy restarts the listener, which also
 * closes the connections clients held to the old upstream: nobody keeps talking to the old site by keep-alive.
 */
export async function repoint(stack: StartedStack, link: string, upstream: string): Promise<void> {
  const proxy = await stack.toxiproxy().get(link);
  await proxy.update({ enabled: proxy.enabled, listen: proxy.listen, upstream });
  const now = await stack.toxiproxy().get(link);
  if (now.upstream !== upstream) throw new HarnessError(`Toxiproxy ${link}: upstream is ${now.upstream}, not ${upstream}`, 'repoint-failed');
}

export interface RunContainer {
  container: Docker.Container;
  id: string;
  component: string;
  site: string;
  running: boolean;
  /** the docker volume mounted at the postgres data directory, if any */
  volumes: { name: string; target: string }[];
  image: string;
}

/** A container of the run, found by its run and component labels (never by name alone). */
export async function findContainer(stack: StartedStack, component: string): Promise<RunContainer> {
  const filters = { label: [...labelFilter(stack.runId).label, `${LABEL.component}=${component}`] };
  const found = (await stack.docker.listContainers({ all: true, filters })).filter((c) => c.Labels[LABEL.role] !== 'one-off');
  if (found.length !== 1) throw new HarnessError(`run ${stack.runId}: expected one container '${component}', found ${found.length}`, 'no-such-container');
  const c = stack.docker.getContainer(found[0]!.Id);
  const info = await c.inspect();
  return {
    container: c,
    id: info.Id,
    component,
    site: info.Config.Labels[LABEL.site] ?? '?',
    running: info.State.Running,
    volumes: (info.Mounts ?? []).filter((m) => m.Type === 'volume' && m.Name).map((m) => ({ name: m.Name!, target: m.Destination })),
    image: info.Config.Image,
  };
}

/** Stops a container (its STOPSIGNAL: postgres gets SIGINT, a fast clean shutdown) and proves it is stopped. */
export async function stopContainer(c: RunContainer, timeoutSec = 30): Promise<void> {
  await c.container.stop({ t: timeoutSec }).catch((err: unknown) => {
    if (dockerStatus(err) !== 304) throw err; // 304: already stopped
  });
  const info = await c.container.inspect();
  if (info.State.Running) throw new HarnessError(`${c.component} still running after stop`, 'stop-failed');
}

/** Starts a container and proves it is running (and stays up past its first second). */
export async function startContainer(stack: StartedStack, c: RunContainer): Promise<void> {
  await c.container.start().catch((err: unknown) => {
    if (dockerStatus(err) !== 304) throw err; // 304: already running
  });
  await new Promise((r) => setTimeout(r, 300));
  const info = await c.container.inspect();
  if (!info.State.Running) {
    throw new HarnessError(`${c.component} exited (code ${info.State.ExitCode}) right after start:\n${await logTail(stack.docker, c.id)}`, 'start-failed');
  }
}
