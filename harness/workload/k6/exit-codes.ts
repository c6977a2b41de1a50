import { HarnessError, InvalidInputError } from '../../errors.js';

/** k6's exit codes and what each means for a harness run (k6: errext/exitcodes/codes.go). */
export const K6_EXIT_CODES: Readonly<Record<number, { name: string; meaning: string }>> = {
  97: { name: 'CloudTestRunFailed', meaning: 'a cloud test run failed (the adapter never runs in the cloud)' },
  98: { name: 'CloudFailedToGetProgress', meaning: 'k6 could not get progress from the cloud' },
  99: { name: 'ThresholdsHaveFailed', meaning: 'thresholds failed (the adapter passes --no-thresholds, so this should not happen)' },
  100: { name: 'SetupTimeout', meaning: 'the script’s setup() timed out' },
  101: { name: 'TeardownTimeout', meaning: 'the script’s teardown() timed out' },
  102: { name: 'GenericTimeout', meaning: 'a k6 timeout without a named reason' },
  103: { name: 'ScriptStoppedFromRESTAPI', meaning: 'the test was stopped through k6’s REST API' },
  104: { name: 'InvalidConfig', meaning: 'k6 refused the configuration (options, scenarios or flags)' },
  105: { name: 'ExternalAbort', meaning: 'k6 was stopped by a signal' },
  106: { name: 'CannotStartRESTAPI', meaning: 'k6’s REST API server could not start' },
  107: { name: 'ScriptException', meaning: 'the script threw an exception' },
  108: { name: 'ScriptAborted', meaning: 'the script called test.abort()' },
  109: { name: 'GoPanic', meaning: 'k6 itself crashed (Go panic)' },
  110: { name: 'MarkedAsFailed', meaning: 'the script marked the test as failed (execution.test.fail())' },
  // a Go error without an exit code of its own: os.Exit(-1) reads as 255 (an unknown flag, a script that does not compile)
  255: { name: 'generic error', meaning: 'k6 failed without a specific code (an unknown flag, a script that does not compile, …)' },
};

/** The code a signal-stopped k6 exits with (its graceful stop on our SIGTERM). */
export const K6_EXTERNAL_ABORT = 105;

/**
 * The error for k6's exit, or undefined when the exit is fine: 0, or ExternalAbort after the harness itself stopped
 * it (end of the duration, or the abort signal). `tail` is k6's output to show.
 */
export function errorForK6Exit(code: number | null, signal: NodeJS.Signals | null, stoppedByUs: boolean, tail: string): HarnessError | undefined {
  if (code === 0) return undefined;
  if (stoppedByUs && (code === K6_EXTERNAL_ABORT || signal === 'SIGTERM')) return undefined;
  if (code === null) return new HarnessError(`k6 was killed by ${signal ?? 'an unknown signal'}${tail}`, 'workload-failed');
  const known = K6_EXIT_CODES[code];
  const what = known ? `${code} (${known.name}: ${known.meaning})` : `${code} (not one of k6’s documented exit codes)`;
  if (code === 104) return new InvalidInputError(`k6 exited with ${what}${tail}`, 'check the script’s options and scenarios with `k6 inspect <script>` on your own machine');
  if (code === K6_EXTERNAL_ABORT) {
    return new HarnessError(`k6 exited with ${what}, but not because the harness stopped it${tail}`, 'workload-failed');
  }
  const hint = code === 107 || code === 255 || code === 100 || code === 101 ? 'run the script once with your own k6 against a local endpoint to see the error' : undefined;
  return new HarnessError(`k6 exited with ${what}${tail}`, 'workload-failed', hint);
}
