import type Docker from 'dockerode';
import { connectDocker } from '../docker/client.js';
import { listRuns } from '../docker/reaper.js';
import { HarnessError, InvalidInputError } from '../errors.js';
import type { StackDefinitionInput } from '../stack/definition.js';
import { StartedStack } from '../stack/started-stack.js';
import { upStack } from '../stack/up.js';
import type { ExperimentOverrides } from './overrides.js';

/**
 * Where an experiment's stack comes from (`epj-chaos run`): brought up for the run and taken down after it (the
 * default), brought up and left running (`--keep-stack`), or a stack `epj-chaos stack up` left running, found by
 * its run id (`--attach`), which the run uses and leaves as it found it — faults healed, not taken down.
 */
export interface AcquiredStack {
  stack: StartedStack;
  /** takes the stack down unless it was attached or is kept; safe to call twice */
  release(): Promise<void>;
  /** the run found this stack running (`--attach`) */
  attached: boolean;
  /** the stack outlives the run (`--attach` or `--keep-stack`) */
  kept: boolean;
}

export interface AcquireOptions {
  /** aborting while the stack comes up removes everything of it (upStack) */
  signal?: AbortSignal;
  /** where the run id of a stack left running is said (default: stderr), so it can be taken down */
  say?: (line: string) => void;
}

export async function acquireStack(stackInput: StackDefinitionInput, overrides: ExperimentOverrides, opts: AcquireOptions = {}): Promise<AcquiredStack> {
  const say = opts.say ?? ((line: string) => void process.stderr.write(`${line}\n`));
  if (overrides.attach) {
    const stack = await attachableStack(overrides.attach);
    let said = false;
    return {
      stack,
      attached: true,
      kept: true,
      release: async () => {
        if (!said) say(`stack ${stack.definition.name} (run ${stack.runId}) was attached: left running (epj-chaos stack down --run ${stack.runId})`);
        said = true;
      },
    };
  }
  const keep = overrides.keepStack === true;
  // a kept stack is detached, as `stack up` makes it: no reaper removes it when this process ends, and the reaping
  // of orphaned runs leaves it alone; only `stack down` (or `clean --run`) removes it
  const stack = await upStack(stackInput, { signal: opts.signal, ...(keep ? { detached: true } : {}) });
  let released: Promise<void> | undefined;
  return {
    stack,
    attached: false,
    kept: keep,
    release: () =>
      (released ??= keep
        ? Promise.resolve(say(`stack ${stack.definition.name} kept running: run id ${stack.runId} (take it down with: epj-chaos stack down --run ${stack.runId})`))
        : stack.down()),
  };
}

/**
 * A running stack to attach to, by run id: one `epj-chaos stack up` (or `run --keep-stack`) left running. A run id
 * with no stack is `no-such-run`; a run another process still owns (an experiment in progress) or one whose owner
 * is gone (a leftover its reaper will remove) is refused, so a run never works on a stack that may vanish under it.
 */
export async function attachableStack(runId: string, docker?: Docker): Promise<StartedStack> {
  const d = docker ?? (await connectDocker());
  const run = (await listRuns(d)).find((r) => r.run === runId);
  if (!run) throw new HarnessError(`no stack with run id '${runId}' is running`, 'no-such-run', 'see `epj-chaos stack status`; bring one up with `epj-chaos stack up`');
  if (!run.detached) {
    throw new InvalidInputError(
      run.ownerAlive
        ? `run '${runId}' belongs to a run in progress (pid ${run.ownerPid}), which takes it down when it ends`
        : `run '${runId}' is what a run whose process is gone left behind`,
      'attach to a stack `epj-chaos stack up` (or `run --keep-stack`) left running',
    );
  }
  return StartedStack.attach(runId, d);
}
