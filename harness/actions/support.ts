import type Docker from 'dockerode';
import type pg from 'pg';
import { queryOnce } from '../stack/wait/for-postgres.js';
import { dockerStatus } from '../docker/client.js';
import { LABEL, labelFilter } from '../docker/labels.js';
import { logTail } from '../docker/logs.js';
import { FhirClient } from '../fhir/client.js';
import { syntheticPatient } from '../fhir/resources.js';
import { HarnessError } from '../errors.js';
import type { Proof } from './action.js';
import type { RunContext } from '../run-context.js';
import type { StartedStack } from '../stack/started-stack.js';
import type { EpjInstance, FailoverTopology } from '../stack/topology.js';
import { pollUntil } from '../stack/wait/poll.js';

/** Steps shared by the actions. Every one talks to the stack only through its published links and by label. */

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

export async function inRecovery(stack: StartedStack, dbLink: string): Promise<boolean> {
  const [row] = await sql<{ r: boolean }>(stack, dbLink, 'SELECT pg_is_in_recovery() AS r');
  return row!.r;
}

/** Promotes the standby behind `dbLink` and proves it (pg_is_in_recovery() = false). */
export async function promote(stack: StartedStack, dbLink: string): Promise<void> {
  const [row] = await sql<{ ok: boolean }>(stack, dbLink, 'SELECT pg_promote(wait => true, wait_seconds => 30) AS ok', [], 35_000);
  if (!row?.ok) throw new HarnessError(`pg_promote() through ${dbLink} did not finish within 30 s`, 'promote-failed');
  if (await inRecovery(stack, dbLink)) throw new HarnessError(`${dbLink}: still in recovery after pg_promote()`, 'promote-failed');
}

/**
 * The entrypoint's role marker says what the cluster is, so a restart keeps it. Written by the server itself
 * (superuser COPY TO a file in its own data directory): no docker exec, works through the admin link alone.
 */
export async function setRoleMarker(stack: StartedStack, dbLink: string, role: 'primary' | 'replica'): Promise<void> {
  const [dir] = await sql<{ d: string }>(stack, dbLink, "SELECT current_setting('data_directory') AS d");
  await sql(stack, dbLink, `COPY (SELECT '${role}') TO '${dir!.d.replace(/'/g, "''")}/.epj-role'`);
}

/**
 * Waits until the primary behind `primaryLink` shows `applicationName` streaming AND having replayed the primary's
 * WAL as of the start of the wait: "streaming" alone is also shown by a replica stuck on the wrong timeline.
 */
export async function awaitStreaming(ctx: RunContext, primaryLink: string, applicationName: string, timeoutMs = 60_000): Promise<void> {
  const [cur] = await sql<{ lsn: string }>(ctx.stack, primaryLink, 'SELECT pg_current_wal_lsn()::text AS lsn');
  await pollUntil(
    `${applicationName} streaming from ${primaryLink} and caught up to ${cur!.lsn}`,
    async () => {
      const rows = await sql<{ state: string; replay: string | null; caught_up: boolean | null }>(
        ctx.stack,
        primaryLink,
        `SELECT state, replay_lsn::text AS replay, pg_wal_lsn_diff(replay_lsn, $2::pg_lsn) >= 0 AS caught_up
           FROM pg_stat_replication WHERE application_name = $1`,
        [applicationName, cur!.lsn],
      );
      const r = rows[0];
      if (r?.state !== 'streaming') throw new Error(`${applicationName} is ${r?.state ?? 'not connected'}`);
      if (!r.caught_up) throw new Error(`${applicationName} streaming but replayed only ${r.replay ?? 'nothing'}`);
      return true;
    },
    { timeoutMs, intervalMs: 200, signal: ctx.signal },
  );
}

export interface EpjHealth {
  status: string;
  site: string;
  mode: string;
  db: { reachable: boolean; writable: boolean; inRecovery: boolean | null; error?: string };
}

export async function epjHealth(baseUrl: string): Promise<{ status: number; body: EpjHealth }> {
  const res = await fetch(`${baseUrl}/healthz`, { signal: AbortSignal.timeout(2000) });
  return { status: res.status, body: (await res.json()) as EpjHealth };
}

/** Switches an EPJ instance's mode through its admin link and checks the answer. */
export async function setEpjMode(stack: StartedStack, adminLink: string, mode: 'readwrite' | 'readonly' | 'standby', timeoutMs = 5000): Promise<void> {
  const res = await fetch(`${stack.linkUrl(adminLink)}/_admin/mode`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ mode }),
    signal: AbortSignal.timeout(timeoutMs),
  });
  const body = (await res.json().catch(() => undefined)) as { mode?: string } | undefined;
  if (res.status !== 200 || body?.mode !== mode) {
    throw new HarnessError(`${adminLink}: POST /_admin/mode ${mode} answered ${res.status} ${JSON.stringify(body)}`, 'epj-mode');
  }
}

/** Waits until the EPJ behind `adminLink` says (on /healthz) it is in readwrite mode on a writable database. */
export async function awaitEpjWritable(ctx: RunContext, adminLink: string, timeoutMs = 20_000): Promise<void> {
  await pollUntil(
    `${adminLink} writable (/healthz)`,
    async () => {
      const h = await epjHealth(ctx.stack.linkUrl(adminLink));
      if (h.status !== 200 || h.body.mode !== 'readwrite' || !h.body.db.writable) throw new Error(`/healthz ${h.status} ${JSON.stringify(h.body)}`);
      return true;
    },
    { timeoutMs, intervalMs: 100, signal: ctx.signal },
  );
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

/**
 * Proof that clinicians can write: a synthetic Patient POSTed through the clinical-note front door answers 201,
 * and the front door's /healthz names the expected site. Retried briefly: the first request after a repoint may
 * land on a connection the proxy just closed. Returns the new patient's id.
 */
export async function proveFrontDoorWrites(ctx: RunContext, expectSite: string, timeoutMs = 20_000): Promise<string> {
  const front = ctx.stack.functionUrl('clinical-note');
  const fhir = new FhirClient(front);
  let id = '';
  await pollUntil(
    `a write through the EPJ front door at site ${expectSite}`,
    async () => {
      const h = await epjHealth(front);
      if (h.body.site !== expectSite) throw new Error(`front door reaches site ${h.body.site}`);
      const res = await fhir.request('POST', 'Patient', syntheticPatient());
      if (res.status !== 201 || !res.body?.id) throw new Error(`POST Patient answered ${res.status}`);
      id = res.body.id;
      return true;
    },
    { timeoutMs, intervalMs: 200, signal: ctx.signal },
  );
  return id;
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

/**
 * Makes `epj` the writer clinicians reach: readwrite, writable per /healthz, the EPJ front door repointed to it, and
 * a write through the front door proving it — the last steps of both failover and failback.
 */
export async function sendWritesTo(ctx: RunContext, proof: Proof, t: FailoverTopology, epj: EpjInstance): Promise<void> {
  await setEpjMode(ctx.stack, epj.adminLink, 'readwrite');
  await awaitEpjWritable(ctx, epj.adminLink);
  proof.observed(`${epj.container} writable (/healthz mode readwrite, db writable)`);
  await repoint(ctx.stack, t.writeDoor, `${epj.container}:${epj.port}`);
  proof.observed(`${t.writeDoor} → ${epj.container}:${epj.port}`, { kind: 'repointed', link: t.writeDoor, container: epj.container, port: epj.port });
  // the EPJ says which site it is on /healthz (its EPJ_SITE, the site's id in upper case in the reference image)
  const site = epj.site.toUpperCase();
  const patient = await proveFrontDoorWrites(ctx, site);
  proof.observed(`POST Patient through the front door → 201 at site ${site} (Patient/${patient})`);
}
