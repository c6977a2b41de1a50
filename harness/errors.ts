/**
 * Every failure the harness expects (bad input, dead daemon, missing image, taken port) is a HarnessError:
 * it names the problem and, where one exists, the exact fix. The CLI prints these without a stack trace.
 */
export class HarnessError extends Error {
  constructor(
    message: string,
    readonly code: string,
    readonly hint?: string,
  ) {
    super(message);
    this.name = 'HarnessError';
  }
}

export class InvalidInputError extends HarnessError {
  constructor(message: string, hint?: string) {
    super(message, 'invalid-input', hint);
    this.name = 'InvalidInputError';
  }
}

export class DockerUnavailableError extends HarnessError {
  constructor(detail: string) {
    super(
      `no Docker daemon answers (${detail})`,
      'docker-unavailable',
      'start one with `npm run setup` (installs docker.io and starts dockerd), or set DOCKER_HOST',
    );
    this.name = 'DockerUnavailableError';
  }
}

export class AbortedError extends HarnessError {
  constructor(what: string) {
    super(`${what} was interrupted`, 'aborted');
    this.name = 'AbortedError';
  }
}

/**
 * The CLI's exit codes (README, "CLI"). Input errors are found before anything is created, so 2 also means
 * "nothing was left behind"; 1 is everything the harness or the system under test did not survive.
 */
export const EXIT = {
  ok: 0,
  /** the run failed, or the harness could not do its work (no Docker daemon, an image not built, a stack that did not come up) */
  failed: 1,
  /** usage or input: an unknown flag or command, a bad flag value, an invalid scenario or stack definition */
  usage: 2,
  /** interrupted by SIGINT (Ctrl-C); everything was healed and removed */
  interrupted: 130,
} as const;

/** HarnessError codes that mean "the input names something that does not exist": the user fixes the input. */
const INPUT_CODES = new Set(['invalid-input', 'no-such-run', 'ambiguous']);

export function exitCodeOf(err: unknown): number {
  if (err instanceof HarnessError) {
    if (err.code === 'aborted') return EXIT.interrupted;
    if (INPUT_CODES.has(err.code)) return EXIT.usage;
  }
  return EXIT.failed;
}

export function describeError(err: unknown): string {
  if (err instanceof HarnessError) return err.hint ? `${err.message}\n  fix: ${err.hint}` : err.message;
  if (err instanceof Error) return err.message;
  return String(err);
}

/** The shape of a zod issue, as far as messages need it. */
export interface ValidationIssue {
  readonly path: readonly PropertyKey[];
  readonly message: string;
  readonly code?: string;
  readonly keys?: readonly string[];
}

/**
 * One line per problem, each starting with the field's path (`timeline.2.at: …`), so the message names the field
 * to fix. An unknown key is named as its own path (`timescale: unknown field`): a typo is the usual cause.
 */
export function describeIssues(issues: readonly ValidationIssue[], unknownKey: (parentPath: string) => string = () => 'unknown field'): string[] {
  const at = (path: readonly PropertyKey[]) => path.map(String).join('.') || '(top level)';
  return issues.flatMap((i) => {
    if (i.code === 'unrecognized_keys' && i.keys) return i.keys.map((k) => `${at([...i.path, k])}: ${unknownKey(at(i.path))}`);
    const missing = /^Invalid input: expected (\w+), received undefined$/.exec(i.message);
    return [`${at(i.path)}: ${missing ? `required (${missing[1]})` : i.message}`];
  });
}
