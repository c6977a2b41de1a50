import { hostname } from 'node:os';
import type Docker from 'dockerode';
import { Toxiproxy } from 'toxiproxy-node-client';
import { connectDocker, dockerStatus } from '../docker/client.js';
import { LABEL, runLabels } from '../docker/labels.js';
import { logTail } from '../docker/logs.js';
import { reap, removeRun } from '../docker/reaper.js';
import { launchReaper, type ReaperLink } from '../docker/reaper-sidecar.js';
import { AbortedError, HarnessError, InvalidInputError } from '../errors.js';
import { IMAGES } from '../images/catalog.js';
import { imageExists } from '../images/build.js';
import { trackProgress, type ProgressMode } from '../util/progress.js';
import { parseStackDefinition, type ContainerSpec, type StackDefinition, type StackDefinitionInput } from './definition.js';
import { checkRunId, newRunId, objectName, siteNetwork, TOXIPROXY, wanNetwork } from './names.js';
import { assertPortFree } from './ports.js';
import { StartedStack, DEFINITION_LABEL, TOXIPROXY_API_PORT } from './started-stack.js';
import { waitReady } from './readiness.js';
import { checkCredentials } from '../fhir/link-credentials.js';
import { containerCreateOptions } from './container-options.js';
import { httpAnswers } from './wait/for-http.js';
import { pollUntil } from './wait/poll.js';

export interface UpOptions {
  /** fixed run id (default: random); every object is named and labelled with it */
  runId?: string;
  /** the stack outlives this process (`epj-chaos stack up`); the reaper then leaves it to `clean`/`down` */
  detached?: boolean;
  /** aborting stops starting new work, waits for what is in flight, and removes everything of the run */
  signal?: AbortSignal;
  progress?: ProgressMode;
  /** told when each part of the stack reaches a stage (bench/stack-up.ts draws where `up`'s time goes) */
  trace?: (part: string, stage: UpStage) => void;
}

/** What `up` has done for a part: its dependencies are met, it is created, started, ready. */
export type UpStage = 'waiting done' | 'created' | 'started' | 'ready';

/**
 * Brings a stack up: networks (one per site, plus the WAN), volumes, Toxiproxy with every link, then the
 * containers — each as soon as what it depends on is started or ready, so independent ones start in parallel.
 * On any failure or abort, nothing of the run is left behind.
 */
export async function upStack(input: StackDefinitionInput, opts: UpOptions = {}): Promise<StartedStack> {
  const def = parseStackDefinition(input);
  const run = opts.runId === undefined ? newRunId() : checkRunId(opts.runId);
  // a token that is not set, a certificate that cannot be read: found before Docker is asked for anything
  checkCredentials(def);
  const docker = await connectDocker();
  await preflight(docker, def, !opts.detached);

  const starter = new StackStarter(docker, def, run, opts);
  try {
    // this run's reaper before anything else of it; reaping earlier runs' leftovers overlaps with its launch
    await Promise.all([starter.launchReaper(), reap(docker, { kind: 'orphaned' })]);
    return await starter.start();
  } catch (err) {
    await starter.settle();
    await removeRun(docker, run, 0, { keepReaper: true });
    starter.releaseReaper();
    await removeRun(docker, run);
    throw explain(err, def);
  }
}

async function preflight(docker: Docker, def: StackDefinition, reaper: boolean): Promise<void> {
  const images = [...new Set([IMAGES.toxiproxy, ...(reaper ? [IMAGES.reaper] : []), ...def.containers.map((c) => c.image)])];
  const missing = (await Promise.all(images.map(async (i) => ((await imageExists(docker, i)) ? null : i)))).filter(Boolean);
  if (missing.length > 0) {
    throw new HarnessError(`image(s) not built: ${missing.join(', ')}`, 'image-missing', 'run `npm run setup` (or `epj-chaos images build`)');
  }
  for (const l of def.links) if (typeof l.publish === 'number') await assertPortFree(l.publish, `link ${l.name}`);
}

class StackStarter {
  private readonly labels: Record<string, string>;
  private readonly inFlight: Promise<unknown>[] = [];
  private readonly started = new Map<string, Promise<string>>();
  private readonly ready = new Map<string, Promise<void>>();
  private hostPorts: Record<string, number> = {};
  private proxy: Promise<void> = Promise.resolve();
  /** network ids by site ('wan' for the WAN): containers refer to networks by id, as names may be duplicated later */
  private readonly networks = new Map<string, string>();
  private toxiproxyPort = 0;
  /** the reaper's call back overlaps with creating the stack; `up` returns only once it is armed */
  private reaperArmed: Promise<ReaperLink | undefined> = Promise.resolve(undefined);
  private reaperLink?: ReaperLink;
  private probes?: StartedStack;

  constructor(
    private readonly docker: Docker,
    private readonly def: StackDefinition,
    private readonly run: string,
    private readonly opts: UpOptions,
  ) {
    this.labels = runLabels({ run, stack: def.name, ownerPid: process.pid, ownerHost: hostname(), detached: !!opts.detached });
  }

  /**
   * The run's immediate reaper (docs/reaper.md). Resolves once its container runs: nothing else of the run is
   * created before, so the owner's death at any later instant is covered. A detached stack outlives its process
   * and has none.
   */
  async launchReaper(): Promise<void> {
    if (this.opts.detached) return;
    const launched = this.track(launchReaper(this.docker, { run: this.run, stack: this.def.name, ownerPid: process.pid, ownerHost: hostname(), detached: false }));
    this.reaperArmed = this.track(launched.then(async (l) => (this.reaperLink = await l.armed)));
    await launched;
    this.trace('reaper', 'started');
    void this.reaperArmed.then(() => this.trace('reaper', 'ready'), () => {});
  }

  async start(): Promise<StartedStack> {
    const infra = this.track(this.createInfrastructure());
    // Containers do not wait for Toxiproxy: what they reach through it they retry; only readiness probes need it.
    this.proxy = this.track(infra.then(() => this.startToxiproxy()));
    const steps = [
      ...(this.opts.detached ? [] : [{ title: 'reaper', done: this.reaperArmed.then(() => 'armed') }]),
      { title: 'networks and volumes', done: infra.then(() => `${this.def.sites.length + 1} networks`) },
      { title: 'Toxiproxy links', done: this.proxy.then(() => `${this.def.links.length} links`) },
      ...this.def.containers.map((c) => ({ title: c.name, done: this.readyOf(c, infra) })),
    ];
    await trackProgress(this.opts.progress ?? 'silent', steps);
    return new StartedStack(this.docker, this.run, this.def, this.hostPorts, this.toxiproxyPort, this.reaperLink);
  }

  /** Before the reaper itself is removed: it must stand down, not reap. */
  releaseReaper(): void {
    this.reaperLink?.release();
  }

  /** Waits for every operation already sent to Docker, so the cleanup that follows sees all it created. */
  async settle(): Promise<void> {
    while (true) {
      const n = this.inFlight.length;
      await Promise.allSettled(this.inFlight);
      if (this.inFlight.length === n) return;
    }
  }

  private trace(part: string, stage: UpStage): void {
    this.opts.trace?.(part, stage);
  }

  private track<T>(p: Promise<T>): Promise<T> {
    this.inFlight.push(p);
    p.catch(() => {}); // observed by settle() and by the progress steps
    return p;
  }

  private checkAbort(what: string) {
    if (this.opts.signal?.aborted) throw new AbortedError(what);
  }

  private async createInfrastructure(): Promise<void> {
    this.checkAbort('stack up');
    const { docker, run, def } = this;
    // allSettled, not all: on a failure every create already sent must finish before cleanup looks for it.
    const createNetwork = async (site: string, name: string, internal: boolean) => {
      const net = await docker.createNetwork({ Name: name, Driver: 'bridge', Internal: internal, CheckDuplicate: true, Labels: { ...this.labels, [LABEL.site]: site } });
      this.networks.set(site, net.id);
    };
    const created = await Promise.allSettled([
      createNetwork('wan', wanNetwork(run), false),
      // A site's network is its core switch: internal, so nothing in it reaches beyond the stack.
      ...def.sites.map((s) => createNetwork(s.id, siteNetwork(run, s.id), true)),
      ...[...new Set(def.containers.flatMap((c) => c.volumes.map((v) => v.name)))].map((v) =>
        docker.createVolume({ Name: objectName(run, v), Labels: { ...this.labels, [LABEL.component]: v } }),
      ),
    ]);
    const failed = created.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed) throw failed.reason;
    this.trace('networks and volumes', 'ready');
  }

  private async startToxiproxy(): Promise<void> {
    this.checkAbort('stack up');
    const { docker, run, def } = this;
    const published = def.links.filter((l) => l.publish !== false);
    const { exposed, bindings } = toxiproxyPorts(def);
    const container = await docker.createContainer({
      name: objectName(run, TOXIPROXY),
      Image: IMAGES.toxiproxy,
      Hostname: TOXIPROXY,
      // at info level Toxiproxy logs every connection it accepts: needless work at clinical load
      Env: ['LOG_LEVEL=warn'],
      Labels: { ...this.labels, [LABEL.site]: 'harness', [LABEL.role]: 'toxiproxy', [LABEL.component]: TOXIPROXY, [DEFINITION_LABEL]: JSON.stringify(def) },
      ExposedPorts: exposed,
      HostConfig: {
        NetworkMode: this.networks.get('wan')!,
        PortBindings: bindings,
        RestartPolicy: { Name: 'no' },
        // Toxiproxy dials upstream in its accept loop with no timeout, and changing a proxy waits for that loop:
        // a SYN to a container that just died would hold it (and a failover's repoint) for up to two minutes.
        Sysctls: { 'net.ipv4.tcp_syn_retries': '1' },
      },
      NetworkingConfig: { EndpointsConfig: { [this.networks.get('wan')!]: { Aliases: [TOXIPROXY] } } },
    });
    // Toxiproxy is harness equipment on every network: each site reaches its links as `toxiproxy:<port>`.
    this.trace(TOXIPROXY, 'created');
    await Promise.all(
      def.sites.map((s) => docker.getNetwork(this.networks.get(s.id)!).connect({ Container: container.id, EndpointConfig: { Aliases: [TOXIPROXY] } })),
    );
    await container.start();
    this.trace(TOXIPROXY, 'started');
    const info = await container.inspect();
    const portOf = (p: number) => Number(info.NetworkSettings.Ports[`${p}/tcp`]?.[0]?.HostPort);
    this.toxiproxyPort = portOf(TOXIPROXY_API_PORT);
    this.hostPorts = Object.fromEntries(published.map((l) => [l.name, portOf(l.listenPort)]));

    const api = `http://127.0.0.1:${this.toxiproxyPort}`;
    await pollUntil('Toxiproxy API', () => httpAnswers(`${api}/version`, 200), {
      timeoutMs: 15_000,
      signal: this.opts.signal,
      alive: () => this.assertRunning(TOXIPROXY, container.id),
    });
    this.trace(TOXIPROXY, 'ready');
    await new Toxiproxy(api).populate(
      def.links.map((l) => ({ name: l.name, listen: `0.0.0.0:${l.listenPort}`, upstream: `${l.upstream.container}:${l.upstream.port}`, enabled: true })),
    );
    this.trace('links', 'ready');
  }

  private startedOf(c: ContainerSpec, infra: Promise<void>): Promise<string> {
    let p = this.started.get(c.name);
    if (!p) {
      p = this.track(this.startContainer(c, infra));
      this.started.set(c.name, p);
    }
    return p;
  }

  private readyOf(c: ContainerSpec, infra: Promise<void>): Promise<void> {
    let p = this.ready.get(c.name);
    if (!p) {
      p = this.track(this.startedOf(c, infra).then((id) => this.awaitReady(c, id)));
      this.ready.set(c.name, p);
    }
    return p;
  }

  private async startContainer(c: ContainerSpec, infra: Promise<void>): Promise<string> {
    const byName = new Map(this.def.containers.map((x) => [x.name, x]));
    await infra;
    await Promise.all(
      c.dependsOn.map((d) => {
        const dep = byName.get(d.container)!;
        return d.condition === 'ready' ? this.readyOf(dep, infra) : this.startedOf(dep, infra);
      }),
    );
    this.checkAbort('stack up');
    this.trace(c.name, 'waiting done');
    const { docker, run } = this;
    const container = await docker.createContainer(containerCreateOptions(run, c, this.networks.get(c.site)!, this.labels));
    this.trace(c.name, 'created');
    // created, not started: a runbook starts it (a standby that may only boot after a promotion)
    if (c.startAtUp) {
      await container.start();
      this.trace(c.name, 'started');
    }
    return container.id;
  }

  private async awaitReady(c: ContainerSpec, id: string): Promise<void> {
    if (!c.ready || !c.startAtUp) return;
    await this.proxy; // every probe goes through a published link
    await waitReady(c.name, c.ready, (link) => this.port(link), { signal: this.opts.signal, alive: () => this.assertRunning(c.name, id), endpointOf: (link) => this.probeView().linkEndpoint(link) });
    this.trace(c.name, 'ready');
  }

  /** The stack as its readiness probes see it once its links are published: a link's URL and credentials. */
  private probeView(): StartedStack {
    this.probes ??= new StartedStack(this.docker, this.run, this.def, this.hostPorts, this.toxiproxyPort);
    return this.probes;
  }

  private port(link: string): number {
    const p = this.hostPorts[link];
    if (!p) throw new HarnessError(`link '${link}' has no published port`, 'internal');
    return p;
  }

  private async assertRunning(name: string, id: string): Promise<void> {
    const info = await this.docker.getContainer(id).inspect();
    if (!info.State.Running) {
      const logs = await logTail(this.docker, id);
      throw new HarnessError(`${name} exited (code ${info.State.ExitCode}) before it was ready; its last output:\n${logs}`, 'container-exited');
    }
  }
}

/**
 * What Toxiproxy publishes on 127.0.0.1: its API and every published link, at the link's fixed port or a free one.
 * (bench/stack-up.ts starts a container with the same ports to measure the engine's floor.)
 */
export function toxiproxyPorts(def: StackDefinition): { exposed: Record<string, object>; bindings: Record<string, { HostIp: string; HostPort: string }[]> } {
  const exposed: Record<string, object> = { [`${TOXIPROXY_API_PORT}/tcp`]: {} };
  const bindings: Record<string, { HostIp: string; HostPort: string }[]> = {
    [`${TOXIPROXY_API_PORT}/tcp`]: [{ HostIp: '127.0.0.1', HostPort: '' }],
  };
  for (const l of def.links.filter((x) => x.publish !== false)) {
    exposed[`${l.listenPort}/tcp`] = {};
    bindings[`${l.listenPort}/tcp`] = [{ HostIp: '127.0.0.1', HostPort: typeof l.publish === 'number' ? String(l.publish) : '' }];
  }
  return { exposed, bindings };
}

/** Turns the engine's terse refusals into errors that name the problem. */
function explain(err: unknown, def: StackDefinition): unknown {
  const msg = err instanceof Error ? err.message : String(err);
  const port = /(?:127\.0\.0\.1:|0\.0\.0\.0:)(\d+).*(?:address already in use|port is already allocated)|Bind for .*:(\d+) failed/.exec(msg);
  if (port || /address already in use|port is already allocated/.test(msg)) {
    const p = port?.[1] ?? port?.[2];
    const link = def.links.find((l) => String(l.publish) === p);
    return new InvalidInputError(`port ${p ?? '?'} on 127.0.0.1${link ? ` (link ${link.name})` : ''} is already in use`, 'choose another port or stop what holds it');
  }
  if (dockerStatus(err) === 409 && /already (in use|exists)/.test(msg)) {
    return new HarnessError(`${msg.replace(/^\(HTTP code 409\) unexpected - /, '').trim()}: it is not this run's, so it was left alone`, 'name-conflict', 'use another run id, or remove that object yourself');
  }
  return err;
}
