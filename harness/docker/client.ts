import type Docker from 'dockerode';
import { DockerUnavailableError } from '../errors.js';

/**
 * An engine that stops answering mid-run (a hung daemon, a cut socket) must not hang the harness: every call gives
 * up after this long without a byte (a container stop with its 10-s grace answers well within it). Image builds,
 * whose steps can be silent for longer, ask for no limit (harness/cli/commands/images.ts).
 */
export const DOCKER_CALL_TIMEOUT_MS = 60_000;

/**
 * The one way the harness reaches the Docker engine. dockerode honours DOCKER_HOST; without it the local socket.
 * `connectDocker` pings first so a dead daemon is reported once, clearly, before anything is created.
 */
export async function connectDocker(timeoutMs = 5000, callTimeoutMs = DOCKER_CALL_TIMEOUT_MS): Promise<Docker> {
  // loaded on first use: dockerode (with ssh2 and gRPC) is the CLI's heaviest import, and a command that never
  // reaches Docker — help, a usage error, a bad definition — should not pay for it
  const { default: DockerClient } = await import('dockerode');
  const docker = new DockerClient(callTimeoutMs > 0 ? { timeout: callTimeoutMs } : undefined);
  try {
    await withTimeout(docker.ping(), timeoutMs, 'ping timed out');
  } catch (err) {
    throw new DockerUnavailableError(describeConnection(err));
  }
  return docker;
}

function describeConnection(err: unknown): string {
  const e = err as NodeJS.ErrnoException;
  const where = process.env.DOCKER_HOST ?? '/var/run/docker.sock';
  if (e?.code === 'ENOENT') return `${where} does not exist`;
  if (e?.code === 'ECONNREFUSED') return `${where} refused the connection`;
  if (e?.code === 'EACCES') return `no permission to use ${where}`;
  return `${where}: ${e?.message ?? String(err)}`;
}

export function withTimeout<T>(p: Promise<T>, ms: number, message: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(message)), ms);
  });
  return Promise.race([p, timeout]).finally(() => clearTimeout(timer));
}

/** dockerode errors carry the HTTP status of the engine's answer. */
export function dockerStatus(err: unknown): number | undefined {
  return (err as { statusCode?: number })?.statusCode;
}
