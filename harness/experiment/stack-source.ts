import type Docker from 'dockerode';
import { connectDocker } from '../docker/client.js';
import { listRuns } from '../docker/reaper.js';
import { describeError, HarnessError, InvalidInputError } from '../errors.js';
import { parseStackDefinition, type StackDefinitionInput } from '../stack/definition.js';
import { StartedStack } from '../stack/started-stack.js';
import { upStack } from '../stack/up.js';
import type { ExperimentOverrides } from './overrides.js';
import { handOnStack, takeSharedStack } from './shared-stack.js';

/**
 * Where an experiment's stack comes from (`epj-chaos run`): brought up for the run and taken down after it (the
 * default), brought up and left running (`--keep-stack`), or a stack `epj-chaos stack up` left running, found by
 * its run id (`--attach`), which the run uses and leaves as it found it — faults healed, not taken down. Under
 * mocha (several experiments in one process) a restored stack is handed on to the next experiment with the same
 * definition (harness/experiment/shared-stack.ts).
 */
export interface AcquiredStack {
  stack: StartedStack;
  /**
   * takes the stack down unless it was attached or is kept; safe to call twice. `handOn`: the run left it restored,
   * so a shared stack is held for the next experiment instead (harness/experiment/shared-stack.ts)
   */
  release(opts?: { handOn?: boolean }): Promise<void>;
  /** the run found this stack running (`--attach`) */
  attached: boolean;
  /** an earlier experiment of this process handed it on */
  reused: boolean;
  /** the stack outlives the run (`--attach` or `--keep-stack`) */
  kept: boolean;
}

export interface AcquireOptions {
  /** aborting while the stack comes up removes everything of it (upStack) */
  signal?: AbortSignal;
  /** where the run id of a stack left running is said (default: stderr), so it can be taken down */
  say?: (line: string) => void;
  /** take a stack an earlier experiment handed on, and hand this one on if the run leaves it restored */
  share?: boolean;
}

export async function acquireStack(stackInput: StackDefinitionInput, overrides: ExperimentOverrides, opts: AcquireOptions = {}): Promise<AcquiredStack> {
  const say = opts.say ?? ((line: string) => void process.stderr.write(`${line}\n`));
  if (overrides.attach) {
    const stack = await attachableStack(overrides.attach);
    let said = false;
    return {
      stack,
      attached: true,
      reused: false,
      kept: true,
      release: async () => {
        if (!said) say(`stack ${stack.definition.name} (run ${stack.runId}) was attached: left running (epj-chaos stack down --run ${stack.runId})`);
        said = true;
      },
    };
  }
  const keep = overrides.keepStack === true;
  const share = opts.share === true && !keep;
  const key = share ? JSON.stringify(parseStackDefinition(stackInput)) : '';
  let reused = share ? await takeSharedStack(key) : undefined;
  if (reused) {
    // restored when it was handed on; proven ready again now, else a fresh one
    const ready = await reused.awaitHealthy(SHARED_READY_TIMEOUT_MS, opts.signal).then(
      () => true,
      (err: unknown) => (say(`the stack handed on (run ${reused!.runId}) is not ready (${describeError(err)}): bringing up a fresh one`), false),
    );
    if (!ready) {
      await reused.down();
      reused = undefined;
    }
  }
  // a kept stack is detached, as `stack up` makes it: no reaper removes it when this process ends, and the reaping
  // of orphaned runs leaves it alone; only `stack down` (or `clean --run`) removes it
  const stack = reused ?? (await upStack(stackInput, { signal: opts.signal, ...(keep ? { detached: true } : {}) }));
  let released: Promise<void> | undefined;
  return {
    stack,
    attached: false,
    reused: reused !== undefined,
    kept: keep,
    release: (r) =>
      (released ??= keep
        ? Promise.resolve(say(`stack ${stack.definition.name} kept running: run id ${stack.runId} (take it down with: epj-chaos stack down --run ${stack.runId})`))
        : share && r?.handOn
          ? handOnStack(key, stack)
          : stack.down()),
  };
}

/** how long a stack handed on may take to prove every component ready before a fresh one replaces it */
const SHARED_READY_TIMEOUT_MS = 30_000;

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
