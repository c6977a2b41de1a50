import { Listr, PRESET_TIMER, PRESET_TIMESTAMP } from 'listr2';

/**
 * Progress of long, concurrent work. `live` redraws a task list on a terminal; `plain` prints one line per step
 * (CI, pipes); `silent` prints nothing (library use, tests). The work itself runs elsewhere: steps only await it.
 */
export type ProgressMode = 'live' | 'plain' | 'silent';

export interface ProgressStep {
  title: string;
  /** resolves with an optional detail appended to the title when done */
  done: Promise<string | void>;
}

export function defaultProgressMode(): ProgressMode {
  return process.stdout.isTTY && !process.env.CI ? 'live' : 'plain';
}

export async function trackProgress(mode: ProgressMode, steps: ProgressStep[]): Promise<void> {
  if (mode === 'silent') {
    await Promise.all(steps.map((s) => s.done));
    return;
  }
  const list = new Listr(
    steps.map((s) => ({
      title: s.title,
      task: async (_ctx: unknown, task: { title: string }) => {
        const detail = await s.done;
        if (detail) task.title = `${s.title}: ${detail}`;
      },
    })),
    {
      concurrent: true,
      exitOnError: true,
      // the harness handles SIGINT itself (abort, heal, clean up); listr2's own handler would exit(127) mid-way
      registerSignalListeners: false,
      renderer: 'default',
      fallbackRenderer: 'simple',
      fallbackRendererCondition: mode === 'plain',
      rendererOptions: { timer: PRESET_TIMER, collapseErrors: false },
      fallbackRendererOptions: { timer: PRESET_TIMER, timestamp: PRESET_TIMESTAMP },
    },
  );
  await list.run();
}

/** Runs steps one after another with progress (image builds: each step needs the one before). */
export async function runSequentially(
  mode: ProgressMode,
  steps: { title: string; run: () => Promise<string | void> }[],
): Promise<void> {
  if (mode === 'silent') {
    for (const s of steps) await s.run();
    return;
  }
  const list = new Listr(
    steps.map((s) => ({
      title: s.title,
      task: async (_ctx: unknown, task: { title: string }) => {
        const detail = await s.run();
        if (detail) task.title = `${s.title}: ${detail}`;
      },
    })),
    {
      concurrent: false,
      exitOnError: true,
      // the harness handles SIGINT itself (abort, heal, clean up); listr2's own handler would exit(127) mid-way
      registerSignalListeners: false,
      renderer: 'default',
      fallbackRenderer: 'simple',
      fallbackRendererCondition: mode === 'plain',
      rendererOptions: { timer: PRESET_TIMER },
      fallbackRendererOptions: { timer: PRESET_TIMER, timestamp: PRESET_TIMESTAMP },
    },
  );
  await list.run();
}
