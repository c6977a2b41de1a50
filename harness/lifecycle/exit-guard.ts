/**
 * Cleanups that must run however the process ends: faults healed, then stacks taken down. Normal ends and thrown
 * errors run them through try/finally in the code that owns them; SIGINT and SIGTERM run them here, newest first,
 * within a deadline, and then the process exits (130 / 143). SIGKILL cannot be caught: the run's reaper sidecar
 * removes it within seconds (harness/docker/reaper-sidecar.ts), and `epj-chaos clean` reaps what is left.
 */

import { setMaxListeners } from 'node:events';

type Cleanup = { name: string; run: () => Promise<void> };

const cleanups: Cleanup[] = [];
let installed = false;
let exiting = false;
const interrupted = new AbortController();
// every run of the process listens to it (the library's experiments, `--repeat`, a benchmark's runs): many
// listeners are its purpose, not a leak
setMaxListeners(0, interrupted.signal);

/** Aborted the moment SIGINT/SIGTERM arrives, before the cleanups run: long waits (up, timelines) stop on it. */
export function exitSignal(): AbortSignal {
  install();
  return interrupted.signal;
}

export const EXIT_DEADLINE_MS = 10_000;

/** Registers a cleanup for signal exits; returns a function that unregisters it (call it once done normally). */
export function onSignalExit(name: string, run: () => Promise<void>): () => void {
  install();
  const entry = { name, run };
  cleanups.push(entry);
  return () => {
    const i = cleanups.indexOf(entry);
    if (i >= 0) cleanups.splice(i, 1);
  };
}

function install() {
  if (installed) return;
  installed = true;
  for (const sig of ['SIGINT', 'SIGTERM'] as const) {
    process.on(sig, () => void exitAfterCleanup(sig));
  }
}

async function exitAfterCleanup(sig: NodeJS.Signals): Promise<void> {
  if (exiting) return;
  exiting = true;
  interrupted.abort(new Error(`interrupted by ${sig}`));
  process.stderr.write(`\nepj-chaos: ${sig}: healing faults and removing stacks…\n`);
  const deadline = setTimeout(() => {
    process.stderr.write(`epj-chaos: cleanup did not finish within ${EXIT_DEADLINE_MS / 1000} s; run \`epj-chaos clean\`\n`);
    process.exit(1);
  }, EXIT_DEADLINE_MS);
  // something else (a test runner) may call process.exit meanwhile: hold it until the cleanups are done
  const realExit = process.exit.bind(process);
  let requested: number | undefined;
  process.exit = ((code?: number) => {
    requested ??= code;
    return undefined as never;
  }) as typeof process.exit;
  for (const c of [...cleanups].reverse()) {
    try {
      await c.run();
    } catch (err) {
      process.stderr.write(`epj-chaos: cleanup '${c.name}' failed: ${err instanceof Error ? err.message : String(err)}\n`);
    }
  }
  clearTimeout(deadline);
  realExit(requested ?? (sig === 'SIGINT' ? 130 : 143));
}
