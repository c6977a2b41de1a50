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

export function describeError(err: unknown): string {
  if (err instanceof HarnessError) return err.hint ? `${err.message}\n  fix: ${err.hint}` : err.message;
  if (err instanceof Error) return err.message;
  return String(err);
}
