import { randomUUID } from 'node:crypto';
import { describeError, InvalidInputError } from '../errors.js';
import type { StalenessEvent } from '../history/events.js';
import type { RunContext } from '../run-context.js';
import { queryOnce } from '../stack/wait/for-postgres.js';
import { freshRequest } from './fresh-http.js';
import { heartbeatResource, newestHeartbeatIn, newestHeartbeatsQuery } from './heartbeat-resource.js';
import { ensureHeartbeatTable, readHeartbeat, writeHeartbeat, type SqlTimeouts } from './heartbeat-table.js';
import { databasesOf, readOnlyFrontDoor, writeFrontDoor, type DatabaseAccess } from './stack-parts.js';
import { Ticker } from './ticker.js';
import { AcknowledgedHeartbeats } from './acknowledged-heartbeats.js';

/**
 * Staleness probe, the pt-heartbeat way. Heartbeats are written at the primary every `heartbeatIntervalMs`; every
 * `sampleIntervalMs` each reader is asked for the newest heartbeat it shows, and staleness = answer instant − that
 * heartbeat's write instant goes into the history (a `staleness` event). Unlike the lag probe
 * (harness/probes/replication-lag.ts), which asks the primary and so reads null once the primary is dead or the WAN
 * is cut, this asks the readers themselves: their staleness keeps growing through any outage. A reader that cannot
 * answer is recorded `unreachable` with the last heartbeat it showed, so its staleness keeps growing too.
 *
 * Two channels, each written and read the way that works on any stack of that kind:
 *   sql   a heartbeat row (harness/probes/heartbeat-table.ts) written at the primary database through its admin
 *         link and read at every replica database through theirs;
 *   fhir  a heartbeat Basic resource (harness/probes/heartbeat-resource.ts) written through the EPJ's write front
 *         door and searched through the read-only front door (Opslags-EPJ) — plain FHIR R4, so any server works.
 * Which database is the primary is asked (pg_is_in_recovery()), not assumed; the front doors are the links that
 * serve the write functions and `read-only-lookup`. What a stack lacks (no read-only front door, a database without
 * an admin link) is skipped and said so, in `skipped` and a note.
 *
 * Every request is on a fresh connection with a deadline, runs at a fixed rate with a cap on requests in flight
 * (harness/probes/ticker.ts) — high enough that a reader hanging until its deadline still yields a sample every
 * tick — and stop() waits for those in flight and always resolves.
 */

export interface StalenessProbeOptions {
  /** heartbeat period at the primary, ms (default 200: a heartbeat at least every 250 ms despite timer jitter) */
  heartbeatIntervalMs?: number;
  /** sampling period of each reader, ms (default 200) */
  sampleIntervalMs?: number;
  /** deadline of each HTTP request, and of each SQL connect and statement, ms (default 1000) */
  timeoutMs?: number;
  /** requests of one writer or reader in flight at once (default: enough that a target answering only at its deadline still gets every tick) */
  maxInFlight?: number;
  /** the primary database, by container name (default: the one whose admin link answers pg_is_in_recovery() = false) */
  primary?: string;
  /** measure only these readers, by container name (default: every replica database and the read-only front door) */
  readers?: string[];
}

export interface StalenessReader {
  /** container name in the stack definition */
  reader: string;
  via: 'sql' | 'fhir';
  link: string;
}

export interface StalenessProbe {
  /** this probe's heartbeat series (its heartbeats carry it; another probe's are never read as its own) */
  readonly series: string;
  readonly readers: readonly StalenessReader[];
  /** what could not be measured on this stack, and why */
  readonly skipped: readonly string[];
  /** heartbeats the primary acknowledged, per channel */
  readonly heartbeats: { sql: number; fhir: number };
  lastSample(reader: string): StalenessEvent | undefined;
  /** stops writing and sampling; waits for requests in flight (each bounded by its deadline); never rejects */
  stop(): Promise<void>;
}

export async function startStalenessProbe(ctx: RunContext, opts: StalenessProbeOptions = {}): Promise<StalenessProbe> {
  const heartbeatIntervalMs = opts.heartbeatIntervalMs ?? 200;
  const sampleIntervalMs = opts.sampleIntervalMs ?? 200;
  const timeoutMs = opts.timeoutMs ?? 1000;
  for (const [name, v] of [['heartbeatIntervalMs', heartbeatIntervalMs], ['sampleIntervalMs', sampleIntervalMs], ['timeoutMs', timeoutMs]] as const) {
    if (!(v > 0) || !Number.isFinite(v)) throw new InvalidInputError(`staleness probe: ${name} must be a positive number of ms, got ${v}`);
  }
  const { stack, history } = ctx;
  const def = stack.definition;
  const sqlTimeouts: SqlTimeouts = { connectMs: timeoutMs, queryMs: timeoutMs };
  const series = randomUUID();
  const skipped: string[] = [];
  const wanted = (container: string) => !opts.readers || opts.readers.includes(container);

  // --- which database is the primary, which are replicas -------------------------------------------------------
  const dbs = databasesOf(def);
  for (const c of dbs.unreachable) skipped.push(`database ${c}: no published admin link, so it cannot be read by SQL`);
  let primary: DatabaseAccess | undefined;
  const replicas: DatabaseAccess[] = [];
  if (opts.primary !== undefined) {
    primary = dbs.databases.find((d) => d.container === opts.primary);
    if (!primary) throw new InvalidInputError(`staleness probe: '${opts.primary}' is not a database with an admin link in stack '${def.name}'`);
    replicas.push(...dbs.databases.filter((d) => d !== primary));
  } else {
    const primaries: DatabaseAccess[] = [];
    await Promise.all(
      dbs.databases.map(async (d) => {
        try {
          const [row] = await queryOnce<{ r: boolean }>(stack.linkPort(d.adminLink), 'postgres', 'SELECT pg_is_in_recovery() AS r', [], 'postgres', sqlTimeouts);
          (row?.r === false ? primaries : replicas).push(d);
        } catch (err) {
          // down at start: read it as a replica (reading a primary would only show staleness ≈ 0)
          replicas.push(d);
          skipped.push(`database ${d.container} did not answer at start (${describeError(err)}); read as a replica`);
        }
      }),
    );
    if (primaries.length > 1) {
      throw new InvalidInputError(
        `staleness probe: ${primaries.map((p) => p.container).join(' and ')} are all primaries (not in recovery)`,
        'name the one heartbeats go to with the `primary` option',
      );
    }
    primary = primaries[0];
    replicas.sort((x, y) => dbs.databases.indexOf(x) - dbs.databases.indexOf(y)); // definition order, not answer order
  }
  if (!primary && dbs.databases.length > 0) skipped.push('no primary database answered: no SQL heartbeats, so replica staleness is not measured by SQL');
  if (dbs.databases.length === 0) skipped.push(`stack '${def.name}' has no database the harness reaches by SQL (no admin link to an app-db or replication upstream)`);

  // --- front doors ---------------------------------------------------------------------------------------------
  const readDoor = readOnlyFrontDoor(def);
  const writeDoor = writeFrontDoor(def);
  if (!readDoor) skipped.push('no read-only front door (no link serves read-only-lookup): Opslags-EPJ staleness is not measured');
  else if (!writeDoor) skipped.push('no front door serves a write function: no FHIR heartbeats, so Opslags-EPJ staleness is not measured');

  const readers: StalenessReader[] = [];
  if (primary) for (const r of replicas) if (wanted(r.container)) readers.push({ reader: r.container, via: 'sql', link: r.adminLink });
  if (readDoor && writeDoor && wanted(readDoor.container)) readers.push({ reader: readDoor.container, via: 'fhir', link: readDoor.link });

  // --- writers -------------------------------------------------------------------------------------------------
  const heartbeats = { sql: 0, fhir: 0 };
  // what the primary acknowledged, per channel: what a reader could show, so its lag is known apart from staleness
  const acked = { sql: new AcknowledgedHeartbeats(), fhir: new AcknowledgedHeartbeats() };
  const failing = { sql: false, fhir: false };
  let stopped = false;
  const writerState = (channel: 'sql' | 'fhir', where: string, at: number, err?: unknown) => {
    if (stopped) return;
    if (err === undefined) {
      heartbeats[channel]++;
      acked[channel].acknowledge(at, Date.now());
      if (failing[channel]) history.record({ kind: 'note', message: `staleness probe: ${channel} heartbeats at ${where} written again`, data: { series } });
      failing[channel] = false;
    } else if (!failing[channel]) {
      failing[channel] = true;
      history.record({
        kind: 'note',
        message: `staleness probe: ${channel} heartbeat at ${where} failed (${describeError(err)}); retrying every ${heartbeatIntervalMs} ms`,
        data: { series },
      });
    }
  };
  const writers: { channel: 'sql' | 'fhir'; beat: () => Promise<void> }[] = [];
  let follow: (() => () => void) | undefined;
  if (primary && readers.some((r) => r.via === 'sql')) {
    let target = { port: stack.linkPort(primary.adminLink), where: primary.container };
    await ensureHeartbeatTable(target.port, { connectMs: timeoutMs, queryMs: Math.max(timeoutMs, 5000) }); // DDL may wait for a lock
    writers.push({
      channel: 'sql',
      beat: () => {
        const { port, where } = target;
        // a heartbeat sent to a former primary (in flight when the promotion was reported) says nothing any more
        const current = () => target.where === where;
        const at = Date.now();
        return writeHeartbeat(port, series, at, sqlTimeouts).then(
          () => {
            if (current()) writerState('sql', where, at);
          },
          (err: unknown) => {
            if (current()) writerState('sql', where, at, err);
          },
        );
      },
    });
    // A failover or switchover moves the primary: the heartbeats follow the promotion an operator action reports
    // (its `effects`), or the new primary, read as a replica, would seem to fall further behind from then on. The
    // heartbeat table came with the replica. Subscribed once nothing below can throw (no listener left behind).
    follow = () => history.subscribe((e) => {
      if (e.kind !== 'action' || !e.effects) return;
      for (const effect of e.effects) {
        const promoted = effect.kind === 'promoted' ? dbs.databases.find((d) => d.container === effect.container) : undefined;
        if (!promoted || promoted.container === target.where || stopped) continue;
        target = { port: stack.linkPort(promoted.adminLink), where: promoted.container };
        history.record({ kind: 'note', message: `staleness probe: sql heartbeats now at ${promoted.container}, promoted by ${e.id}`, data: { series } });
      }
    });
  }
  if (writeDoor && readers.some((r) => r.via === 'fhir')) {
    const door = stack.fhirEndpoint(writeDoor.link);
    // the link, not the container behind it: a failover repoints it (harness/runbooks/steps/repoint.ts)
    const where = `the write front door ${writeDoor.link}`;
    writers.push({
      channel: 'fhir',
      beat: async () => {
        const at = Date.now();
        try {
          const body = JSON.stringify(heartbeatResource(series, at));
          const res = await freshRequest(door, { path: 'Basic', method: 'POST', body, headers: { 'content-type': 'application/fhir+json', accept: 'application/fhir+json' }, timeoutMs });
          if (res.status !== 201 && res.status !== 200) throw new Error(`POST Basic answered ${res.status}: ${res.body.slice(0, 200)}`);
          writerState('fhir', where, at);
        } catch (err) {
          writerState('fhir', where, at, err);
        }
      },
    });
  }

  // --- readers -------------------------------------------------------------------------------------------------
  const lastSeen = new Map<string, number | null>();
  const last = new Map<string, StalenessEvent>();
  const record = (r: StalenessReader, sent: number, answer: { heartbeatAt: number | null } | { error: unknown }) => {
    if (stopped) return;
    const t = Date.now();
    const before = lastSeen.get(r.reader) ?? null;
    const unreachable = 'error' in answer;
    // a replica only moves forward: what an earlier answer showed is still there, even if a slower request says less
    const newest = unreachable || answer.heartbeatAt === null ? before : before === null ? answer.heartbeatAt : Math.max(before, answer.heartbeatAt);
    lastSeen.set(r.reader, newest);
    const e = history.record({
      kind: 'staleness',
      t,
      reader: r.reader,
      via: r.via,
      link: r.link,
      heartbeatAt: newest,
      stalenessMs: newest === null ? null : t - newest,
      lagMs: acked[r.via].lagAt(sent, newest),
      unreachable,
      ...(unreachable ? { error: describeError(answer.error) } : {}),
    }) as StalenessEvent;
    last.set(r.reader, e);
    const shown = readers.filter((x) => x.via === r.via).map((x) => lastSeen.get(x.reader) ?? null);
    if (shown.every((x) => x !== null)) acked[r.via].forget(Math.min(...(shown as number[])));
  };
  const readOnce = (r: StalenessReader): (() => Promise<void>) => {
    if (r.via === 'sql') {
      const port = stack.linkPort(r.link);
      return () => {
        const sent = Date.now();
        return readHeartbeat(port, series, sqlTimeouts).then((heartbeatAt) => record(r, sent, { heartbeatAt }), (error: unknown) => record(r, sent, { error }));
      };
    }
    const door = stack.fhirEndpoint(r.link);
    const query = newestHeartbeatsQuery(series);
    return async () => {
      const sent = Date.now();
      try {
        const res = await freshRequest(door, { path: query, headers: { accept: 'application/fhir+json' }, timeoutMs });
        if (res.status !== 200) throw new Error(`GET Basic answered ${res.status}`);
        record(r, sent, { heartbeatAt: newestHeartbeatIn(JSON.parse(res.body)) });
      } catch (error) {
        record(r, sent, { error });
      }
    };
  };

  // The first heartbeats go out before the first reads, so a healthy reader's first sample already shows one.
  await Promise.all(writers.map((w) => w.beat()));
  // an SQL request may take its connect deadline and then its statement deadline
  const inFlight = (intervalMs: number, via: 'sql' | 'fhir') => opts.maxInFlight ?? Math.ceil(((via === 'sql' ? 2 : 1) * timeoutMs) / intervalMs) + 1;
  const writerTickers = writers.map((w) => new Ticker(heartbeatIntervalMs, inFlight(heartbeatIntervalMs, w.channel), w.beat));
  const readerTickers = readers.map((r) => new Ticker(sampleIntervalMs, inFlight(sampleIntervalMs, r.via), readOnce(r)));
  const tickers = [...writerTickers, ...readerTickers];
  history.record({
    kind: 'note',
    message:
      `staleness probe: heartbeats every ${heartbeatIntervalMs} ms (${writers.map((w) => w.channel).join(', ') || 'none'}), ` +
      `readers ${readers.map((r) => `${r.reader} (${r.via} via ${r.link})`).join(', ') || 'none'} every ${sampleIntervalMs} ms` +
      (skipped.length ? `; skipped: ${skipped.join('; ')}` : ''),
    data: { series, primary: primary?.container ?? null, readers, skipped },
  });
  const unfollow = follow?.() ?? (() => {});
  // Readers half a heartbeat after the writers: in step with them, a read would race each new heartbeat and
  // flip between ≈ 0 and ≈ one interval; offset, the heartbeat's resolution shows as a steady ≈ half interval.
  for (const t of writerTickers) t.start();
  for (const t of readerTickers) t.start(heartbeatIntervalMs / 2);

  let stopping: Promise<void> | undefined;
  return {
    series,
    readers,
    skipped,
    heartbeats,
    lastSample: (reader) => last.get(reader),
    stop() {
      stopping ??= (async () => {
        stopped = true;
        unfollow();
        await Promise.allSettled(tickers.map((t) => t.stop()));
      })();
      return stopping;
    },
  };
}
