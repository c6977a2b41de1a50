import { randomBytes } from 'node:crypto';
import net from 'node:net';
import type Docker from 'dockerode';
import { HarnessError } from '../errors.js';
import { IMAGES } from '../images/catalog.js';
import { objectName } from '../stack/names.js';
import { LABEL, runLabels, type RunLabels } from './labels.js';

/**
 * The immediate reaper of a run (docs/reaper.md): a sidecar container (docker/reaper) holding a connection to
 * the process that owns the run. When that connection closes without "done" — the process died, SIGKILL
 * included — it removes every object carrying the run's label, then exits and Docker removes it.
 * `epj-chaos clean` stays the belt.
 */

/**
 * The run id on the reaper's own container. Not LABEL.run: a listing of the run's objects is the stack as
 * defined (what `stack status` shows and tests count), and the reaper never lists itself among what it removes.
 * It carries every other ownership label, so `clean` finds it too.
 */
export const REAPER_OF = 'epj-chaos.reaper-of';
export const REAPER_COMPONENT = 'reaper';
/** up fails when the reaper has not called back by then (it calls back within milliseconds of its start) */
const ARM_TIMEOUT_MS = 8_000;
const GREETING_TIMEOUT_MS = 2_000;

/** Docker list filter selecting one run's reaper, or every run's. */
export function reaperFilter(run?: string): { label: string[] } {
  return { label: [`${LABEL.managed}=true`, run === undefined ? REAPER_OF : `${REAPER_OF}=${run}`] };
}

export interface LaunchedReaper {
  /** resolves once the reaper has called back: from then on this process's death removes the run */
  armed: Promise<ReaperLink>;
}

/**
 * Listens on 127.0.0.1, then creates and starts the reaper, which dials back. Resolves once the reaper's
 * container runs: nothing else of the run may be created before, or an owner dying in between would leave it
 * without a reaper. Listening first means a refused dial tells the reaper its owner is already gone.
 */
export async function launchReaper(docker: Docker, owner: RunLabels): Promise<LaunchedReaper> {
  const { [LABEL.run]: _notOnReaper, ...ownership } = runLabels(owner);
  const token = randomBytes(16).toString('hex');
  const callback = await listenForReaper(owner.run, token);
  try {
    const container = await docker.createContainer({
      name: objectName(owner.run, REAPER_COMPONENT),
      Image: IMAGES.reaper,
      Labels: { ...ownership, [REAPER_OF]: owner.run, [LABEL.site]: 'harness', [LABEL.role]: REAPER_COMPONENT, [LABEL.component]: REAPER_COMPONENT },
      Env: [`EPJ_CHAOS_RUN=${owner.run}`, `EPJ_CHAOS_REAPER_TOKEN=${token}`, `EPJ_CHAOS_OWNER=127.0.0.1:${callback.port}`],
      HostConfig: {
        // The host's network namespace: the reaper reaches this process on 127.0.0.1 with no Docker network, port
        // proxy or address pool in between (a starting bridge container took ~300 ms more here, and a port
        // proxy that died would look like a dead owner). It dials 127.0.0.1 only.
        NetworkMode: 'host',
        Mounts: [{ Type: 'bind', Source: engineSocket(), Target: '/var/run/docker.sock' }],
        // it exits when its work is done, and Docker removes it then
        AutoRemove: true,
        RestartPolicy: { Name: 'no' },
        ReadonlyRootfs: true,
        CapDrop: ['ALL'],
        SecurityOpt: ['no-new-privileges'],
      },
    });
    await container.start();
    return { armed: callback.armed };
  } catch (err) {
    callback.close();
    throw err;
  }
}

/**
 * The engine's socket as the daemon's host sees it (a bind mount's source is a path on that host): the one
 * DOCKER_HOST names, else the standard path. EPJ_CHAOS_DOCKER_SOCKET overrides (as Testcontainers' socket
 * override does).
 */
function engineSocket(): string {
  const host = process.env.DOCKER_HOST;
  return process.env.EPJ_CHAOS_DOCKER_SOCKET || (host?.startsWith('unix://') && host.length > 7 ? host.slice(7) : '/var/run/docker.sock');
}

/** Accepts the one connection that greets with the token; others (a port scan, a stray client) are dropped. */
async function listenForReaper(run: string, token: string): Promise<{ port: number; armed: Promise<ReaperLink>; close: () => void }> {
  // Not unref'd while waiting: if nothing else were pending, the process must not end before the reaper calls.
  const server = net.createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const port = (server.address() as net.AddressInfo).port;
  let timer: NodeJS.Timeout | undefined;
  let giveUp: (err: Error) => void = () => {};
  const armed = new Promise<ReaperLink>((resolve, reject) => {
    giveUp = (err) => {
      clearTimeout(timer);
      if (server.listening) server.close();
      reject(err);
    };
    server.on('connection', (socket) => {
      socket.on('error', () => socket.destroy());
      socket.setTimeout(GREETING_TIMEOUT_MS, () => socket.destroy());
      let greeting = '';
      const onData = (chunk: Buffer) => {
        greeting += chunk.toString();
        const nl = greeting.indexOf('\n');
        if (nl < 0) return;
        socket.off('data', onData);
        if (greeting.slice(0, nl) !== `hello ${token}`) return void socket.destroy();
        socket.setTimeout(0);
        clearTimeout(timer);
        server.close(); // the one reaper has called: stop listening
        socket.write(`armed ${run}\n`);
        resolve(new ReaperLink(socket, run));
      };
      socket.on('data', onData);
    });
  });
  armed.catch(() => {}); // observed by whoever awaits it; a launch that failed never does
  timer = setTimeout(() => giveUp(new HarnessError(`the reaper of run ${run} did not call back on 127.0.0.1:${port} within ${ARM_TIMEOUT_MS} ms`, 'reaper', 'is this process in another network namespace than the Docker daemon? see docs/reaper.md')), ARM_TIMEOUT_MS);
  return { port, armed, close: () => giveUp(new HarnessError(`the reaper of run ${run} was not started`, 'reaper')) };
}

/**
 * The owner's end: an open connection to the reaper for the life of the run. It does not keep the process alive
 * (unref), and the kernel closes it however the process ends — which is what the reaper waits for.
 */
export class ReaperLink {
  private released = false;

  constructor(
    private readonly socket: net.Socket,
    readonly run: string,
  ) {
    socket.on('error', () => {
      /* the close that follows says it */
    });
    socket.on('close', () => {
      if (this.released) return;
      process.stderr.write(`epj-chaos: the reaper of run ${run} went away; if this process is killed now, \`epj-chaos clean\` removes the run\n`);
    });
    socket.unref();
  }

  /**
   * A clean end: the reaper stands down and removes nothing. It stays running until the caller force-removes it
   * (removeRun), which leaves no race with its AutoRemove; if this process dies first, the closed connection
   * ends it all the same.
   */
  release(): void {
    if (this.released) return;
    this.released = true;
    this.socket.write('done\n');
  }
}
