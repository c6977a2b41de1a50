import type { RunContext } from '../../run-context.js';

/** What one step kind gets to run with, and what it gives back. */
export interface StepContext {
  ctx: RunContext;
  /** one attempt's limit, as the step says, or undefined for the kind's default */
  timeoutMs: number | undefined;
  /** where it is, for messages: `runbook 'failover' step 3 'promote the replica'` */
  where: string;
}

export interface StepOutcome {
  /** the answer, for `capture` and `record`: a row, a JSON body, a command's output */
  answer?: unknown;
  /** what was done, in words, for the proof */
  said: string;
}
