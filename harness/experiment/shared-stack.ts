import { exitSignal, onSignalExit } from '../lifecycle/exit-guard.js';
import type { StartedStack } from '../stack/started-stack.js';

/**
 * The stack one experiment hands on to the next in the same process (the library under mocha, `epj-chaos run a.ts
 * b.ts`): most experiments leave theirs as they found it once healed, and bringing one up and down again costs
 * seconds each time. One stack is held at a time, under its definition. The run skeleton hands it on only when it
 * is restored (harness/experiment/run.ts): every fault healed, every component ready again, and nothing done that a
 * heal does not undo — an operator action (a promotion, an upgrade) is reset by a fresh stack instead, which comes
 * up in ~2 s, sooner than a failback. The next experiment proves it ready again before using it.
 */
let held: { key: string; stack: StartedStack; unregister: () => void } | undefined;

/** The stack held under `key`, now the caller's; one held under another key is taken down first. */
export async function takeSharedStack(key: string): Promise<StartedStack | undefined> {
  const h = held;
  held = undefined;
  if (!h) return undefined;
  h.unregister();
  if (h.key === key) return h.stack;
  await h.stack.down();
  return undefined;
}

/**
 * Holds `stack` for the next experiment that asks for the same definition; taken down on a signal or at the end.
 * Once the process is exiting on a signal it goes down at once, and so does one held before it (two runs that
 * overlapped: a suite timed out while its run went on).
 */
export async function handOnStack(key: string, stack: StartedStack): Promise<void> {
  if (exitSignal().aborted) return stack.down();
  await releaseSharedStack();
  const unregister = onSignalExit('take the shared stack down', () => stack.down());
  held = { key, stack, unregister };
}

/** Takes the held stack down, if any (the end of the process's experiments). */
export async function releaseSharedStack(): Promise<void> {
  const h = held;
  held = undefined;
  if (!h) return;
  h.unregister();
  await h.stack.down();
}
