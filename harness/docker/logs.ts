import type Docker from 'dockerode';
import { Scrubber } from '../reporters/scrubber.js';

/**
 * The last lines a container wrote (stdout and stderr), for error messages about a container that died. They end
 * up in messages and journals, so they pass the scrubber (harness/reporters/scrubber.ts): a container that prints
 * its connection string does not put the password in a report.
 */
export async function logTail(docker: Docker, id: string, lines = 30): Promise<string> {
  try {
    const raw = (await docker.getContainer(id).logs({ stdout: true, stderr: true, tail: lines, follow: false })) as Buffer;
    return Scrubber.fromEnvironment().scrub(demux(raw).trimEnd());
  } catch {
    return '(logs unavailable)';
  }
}

/** Docker multiplexes non-TTY output as frames: 1 byte stream, 3 padding, 4 bytes big-endian length, payload. */
export function demux(buf: Buffer): string {
  const parts: string[] = [];
  let i = 0;
  while (i + 8 <= buf.length && (buf[i] === 1 || buf[i] === 2) && buf[i + 1] === 0) {
    const len = buf.readUInt32BE(i + 4);
    parts.push(buf.subarray(i + 8, i + 8 + len).toString('utf8'));
    i += 8 + len;
  }
  return i === 0 ? buf.toString('utf8') : parts.join('');
}
