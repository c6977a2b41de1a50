import path from 'node:path';

/**
 * Host commands in runbooks run only from a definition the user named on the command line (`--stack`,
 * `--definition`): a definition read back from a journal, a Docker label or an experiment's own code cannot make
 * the harness run a program on this machine. The CLI allows a file before it loads it; the runbook checks the
 * definition it runs came from an allowed file.
 */
const KEY = Symbol.for('epj-chaos.host-commands-allowed');

function allowed(): Set<string> {
  const g = globalThis as { [KEY]?: Set<string> };
  return (g[KEY] ??= new Set());
}

export function allowHostCommandsFrom(file: string): void {
  allowed().add(path.resolve(file));
}

export function hostCommandsAllowed(file: string | undefined): boolean {
  return file !== undefined && allowed().has(path.resolve(file));
}
