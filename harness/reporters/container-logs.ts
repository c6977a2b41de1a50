import { setMaxListeners } from 'node:events';
import { mkdir, readdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { demux } from '../docker/logs.js';
import { describeError } from '../errors.js';
import type { StartedStack } from '../stack/started-stack.js';
import { Scrubber } from './scrubber.js';

/**
 * The run's container logs, kept beside its reports (reports/<run-id>/logs/<container>.log): what the EPJ, the
 * databases and the integration engine said while the faults hit them is the first thing an SRE reads after a
 * verdict. Collected before the stack goes down, from the run's start (an attached stack's earlier life is not this
 * run's), each timestamped by Docker and scrubbed of secrets like every artefact (harness/reporters/scrubber.ts).
 */
export interface ContainerLog {
  /** the container's name in the stack definition */
  name: string;
  site: string;
  role: string;
  text: string;
}

/** Lines kept per container: a chatty container over a long run must not fill the disk (the newest are kept). */
export const LOG_TAIL_LINES = 20_000;
const COLLECT_TIMEOUT_MS = 15_000;

/** Every container's log since `sinceMs`; a container whose log cannot be read says why in its text. Never throws. */
export async function collectContainerLogs(stack: StartedStack, sinceMs: number): Promise<ContainerLog[]> {
  // the same secrets as the run's journal, the definition's bearer-token variables among them
  const scrubber = Scrubber.forRun(stack.definition);
  const signal = AbortSignal.timeout(COLLECT_TIMEOUT_MS);
  // one deadline for every container's read, each of which listens to it twice (request and stream)
  setMaxListeners(0, signal);
  let containers;
  try {
    containers = await stack.containers();
  } catch (err) {
    return [{ name: 'docker', site: '-', role: '-', text: `(the stack's containers could not be listed: ${describeError(err)})\n` }];
  }
  return Promise.all(
    containers.map(async (c): Promise<ContainerLog> => {
      try {
        const raw = (await stack.docker.getContainer(c.id).logs({
          stdout: true,
          stderr: true,
          timestamps: true,
          follow: false,
          since: Math.floor(sinceMs / 1000),
          tail: LOG_TAIL_LINES,
          abortSignal: signal,
        })) as Buffer;
        return { name: c.name, site: c.site, role: c.role, text: scrubber.scrub(demux(raw)) };
      } catch (err) {
        return { name: c.name, site: c.site, role: c.role, text: `(log unavailable: ${describeError(err)})\n` };
      }
    }),
  );
}

/** Writes the logs into `<dir>/logs/`, one file per container; returns the files. */
export async function saveContainerLogs(dir: string, logs: readonly ContainerLog[]): Promise<string[]> {
  if (logs.length === 0) return [];
  const folder = path.join(dir, 'logs');
  await mkdir(folder, { recursive: true });
  const files: string[] = [];
  for (const log of logs) {
    // a definition's container names are [a-z0-9-] (harness/stack/definition.ts); anything else is replaced anyway
    const file = path.join(folder, `${log.name.replace(/[^A-Za-z0-9._-]/g, '_')}.log`);
    await writeFile(file, log.text);
    files.push(file);
  }
  return files;
}

/** The containers whose logs are saved in `<dir>/logs/` (none when the run saved none), for the reports to link. */
export async function savedContainerLogs(dir: string): Promise<string[]> {
  try {
    return (await readdir(path.join(dir, 'logs'))).filter((f) => f.endsWith('.log')).map((f) => f.slice(0, -'.log'.length)).sort();
  } catch {
    return [];
  }
}
