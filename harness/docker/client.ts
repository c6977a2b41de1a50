import Docker from 'dockerode';
import { DockerUnavailableError } from '../errors.js';

/**
 * The one way the harness reaches the Docker engine. dockerode honours DOCKER_HOST; without it the local socket.
 * `connectDocker` pings first so a dead daemon is reported once, clearly, before anything is created.
 */
export async function connectDocker(timeoutMs = 5000): Promise<Docker> {
  const docker = new Docker();
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
