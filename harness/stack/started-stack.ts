import type Docker from 'dockerode';
import { Toxiproxy } from 'toxiproxy-node-client';
import { connectDocker } from '../docker/client.js';
import { LABEL, labelFilter } from '../docker/labels.js';
import { removeRun } from '../docker/reaper.js';
import type { ReaperLink } from '../docker/reaper-sidecar.js';
import { HarnessError } from '../errors.js';
import { FhirEndpoint } from '../fhir/endpoint.js';
import { LinkCredentials } from '../fhir/link-credentials.js';
import { CLINICAL_FUNCTIONS, parseStackDefinition, type ClinicalFunction, type LinkSpec, type StackDefinition } from './definition.js';
import { TOXIPROXY } from './names.js';
import { waitReady } from './readiness.js';

export const TOXIPROXY_API_PORT = 8474;
/** The definition a run was started from travels with its Toxiproxy container, so `attach` needs only Docker. */
export const DEFINITION_LABEL = 'epj-chaos.definition';

export interface StackEndpoints {
  run: string;
  stack: string;
  toxiproxyApi: string;
  /** clinical function → base URL of the FHIR endpoint serving it */
  functions: Partial<Record<ClinicalFunction, string>>;
  /** published link → 127.0.0.1 port */
  links: Record<string, number>;
}

export interface ContainerState {
  name: string;
  site: string;
  role: string;
  id: string;
  state: string;
}

/** A running stack: where its endpoints are, and how to take it down (safe to call twice). */
export class StartedStack {
  private downed?: Promise<void>;
  /** each authenticated link's credentials, read when first used (harness/fhir/link-credentials.ts) */
  private readonly credentials = new Map<string, LinkCredentials | undefined>();
  /**
   * How many containers were replaced by new ones of the same name (a runbook's `upgrade` step): what resolved a
   * container's id before (a fault's prepare, harness/faults/container/container-fault.ts) resolves it again.
   */
  replacements = 0;

  constructor(
    readonly docker: Docker,
    readonly runId: string,
    readonly definition: StackDefinition,
    private readonly hostPorts: Record<string, number>,
    private readonly toxiproxyPort: number,
    /** held by the process that started the run (docs/reaper.md); none when attached or detached */
    private readonly reaper?: ReaperLink,
  ) {}

  /** Finds a running stack by run id, from Docker alone (another process may have started it). */
  static async attach(runId: string, docker?: Docker): Promise<StartedStack> {
    const d = docker ?? (await connectDocker());
    const [proxy] = await d.listContainers({ all: true, filters: { label: [...labelFilter(runId).label, `${LABEL.component}=${TOXIPROXY}`] } });
    const raw = proxy?.Labels[DEFINITION_LABEL];
    if (!proxy || !raw) throw new HarnessError(`no stack with run id '${runId}' is running`, 'no-such-run', 'see `epj-chaos stack status`');
    const def = parseStackDefinition(JSON.parse(raw));
    const ports = new Map(proxy.Ports.filter((p) => p.PublicPort).map((p) => [p.PrivatePort, p.PublicPort]));
    const hostPorts = Object.fromEntries(
      def.links.filter((l) => l.publish !== false).map((l) => [l.name, ports.get(l.listenPort) ?? 0]),
    );
    return new StartedStack(d, runId, def, hostPorts, ports.get(TOXIPROXY_API_PORT) ?? 0);
  }

  get endpoints(): StackEndpoints {
    const functions: Partial<Record<ClinicalFunction, string>> = {};
    for (const fn of CLINICAL_FUNCTIONS) {
      const link = this.definition.functions[fn]?.link;
      if (link) functions[fn] = this.fhirUrl(link);
    }
    return { run: this.runId, stack: this.definition.name, toxiproxyApi: this.toxiproxyApi, functions, links: { ...this.hostPorts } };
  }

  get toxiproxyApi(): string {
    return `http://127.0.0.1:${this.toxiproxyPort}`;
  }

  toxiproxy(): Toxiproxy {
    return new Toxiproxy(this.toxiproxyApi);
  }

  /** 127.0.0.1 port of a published link. */
  linkPort(link: string): number {
    const p = this.hostPorts[link];
    if (!p) throw new HarnessError(`link '${link}' is not published by stack '${this.definition.name}'`, 'no-such-link');
    return p;
  }

  /** The root URL of a published link: https when the link speaks TLS (`auth.tls`). */
  linkUrl(link: string): string {
    const scheme = this.linkSpec(link)?.auth?.tls ? 'https' : 'http';
    return `${scheme}://127.0.0.1:${this.linkPort(link)}`;
  }

  /** The FHIR base URL behind a published link: its root, or its `basePath` (HAPI FHIR serves at /fhir). */
  fhirUrl(link: string): string {
    return `${this.linkUrl(link)}${this.linkSpec(link)?.basePath ?? ''}`;
  }

  /** The FHIR base URL a clinical function is served at. */
  functionUrl(fn: ClinicalFunction): string {
    return this.fhirUrl(this.functionLink(fn));
  }

  /**
   * How the harness calls the FHIR endpoint behind a published link: its base URL with the link's credentials
   * (harness/fhir/endpoint.ts). The credentials are read at the first call, once per link.
   */
  fhirEndpoint(link: string): FhirEndpoint {
    return new FhirEndpoint(this.fhirUrl(link), this.credentialsOf(link), `link '${link}'`);
  }

  /** The FHIR endpoint a clinical function is served at, with its link's credentials. */
  functionEndpoint(fn: ClinicalFunction): FhirEndpoint {
    return this.fhirEndpoint(this.functionLink(fn));
  }

  /** Every clinical function the stack serves, with its FHIR endpoint: the load's targets. */
  functionEndpoints(): Partial<Record<ClinicalFunction, FhirEndpoint>> {
    return Object.fromEntries(CLINICAL_FUNCTIONS.flatMap((fn) => (this.definition.functions[fn] ? [[fn, this.functionEndpoint(fn)]] : [])));
  }

  /** A published link's root (not its FHIR base) with its credentials: readiness checks give paths from the root. */
  linkEndpoint(link: string): FhirEndpoint {
    return new FhirEndpoint(this.linkUrl(link), this.credentialsOf(link), `link '${link}'`);
  }

  private functionLink(fn: ClinicalFunction): string {
    const link = this.definition.functions[fn]?.link;
    if (!link) throw new HarnessError(`stack '${this.definition.name}' serves no '${fn}'`, 'no-such-function');
    return link;
  }

  private linkSpec(link: string): LinkSpec | undefined {
    return this.definition.links.find((l) => l.name === link);
  }

  private credentialsOf(link: string): LinkCredentials | undefined {
    if (!this.credentials.has(link)) {
      const spec = this.linkSpec(link);
      this.credentials.set(link, spec ? LinkCredentials.read(spec) : undefined);
    }
    return this.credentials.get(link);
  }

  /**
   * The id of a site's network (its core switch), found by the run's labels — never by name, since another
   * network may carry the same name.
   */
  async siteNetworkId(site: string): Promise<string> {
    const [net] = await this.docker.listNetworks({ filters: { label: [...labelFilter(this.runId).label, `${LABEL.site}=${site}`] } });
    if (!net) throw new HarnessError(`run ${this.runId} has no network for site '${site}'`, 'no-such-network');
    return net.Id;
  }

  async containers(): Promise<ContainerState[]> {
    const list = await this.docker.listContainers({ all: true, filters: labelFilter(this.runId) });
    return list
      .map((c) => ({
        name: c.Labels[LABEL.component] ?? '?',
        site: c.Labels[LABEL.site] ?? '?',
        role: c.Labels[LABEL.role] ?? '?',
        id: c.Id,
        state: c.State,
      }))
      .sort((a, b) => a.name.localeCompare(b.name));
  }

  /**
   * Waits until every container passes its readiness check again — the steady state after faults are healed.
   * Throws naming the first component that did not come back in time.
   */
  async awaitHealthy(timeoutMs = 60_000, signal?: AbortSignal): Promise<number> {
    const t0 = Date.now();
    // a container `up` does not start (startAtUp: false) counts once something started it
    const lateStarters = this.definition.containers.filter((c) => !c.startAtUp);
    const running = lateStarters.length > 0 ? new Set((await this.containers()).filter((c) => c.state === 'running').map((c) => c.name)) : new Set<string>();
    await Promise.all(
      this.definition.containers.flatMap((c) =>
        c.ready && (c.startAtUp || running.has(c.name)) ? [waitReady(c.name, c.ready, (l) => this.linkPort(l), { timeoutMs, signal, endpointOf: (l) => this.linkEndpoint(l) })] : [],
      ),
    );
    return Date.now() - t0;
  }

  /**
   * Removes every container, network and volume of the run, and its reaper. Idempotent. The reaper stays armed
   * until the rest is gone, so a kill in the middle of `down` is still covered.
   */
  down(): Promise<void> {
    this.downed ??= (async () => {
      await Promise.allSettled([...this.credentials.values()].map((c) => c?.close()));
      await removeRun(this.docker, this.runId, 0, { keepReaper: true });
      this.reaper?.release();
      await removeRun(this.docker, this.runId);
    })();
    return this.downed;
  }
}
