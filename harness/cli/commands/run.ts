import type { CommandModule } from 'yargs';
import type { HistoryEvent } from '../../history/events.js';
import { HarnessError, describeError } from '../../errors.js';
import { runScenario } from '../../scenario/run-scenario.js';
import { loadScenario } from '../../scenario/scenario.js';
import { defaultProgressMode } from '../../util/progress.js';

interface Args {
  scenario: string;
}

export const runCommand: CommandModule<object, Args> = {
  command: 'run <scenario>',
  describe: 'Run a scenario file: bring the stack up, play its timeline of faults and actions, heal, tear down',
  builder: (y) => y.positional('scenario', { type: 'string', demandOption: true, describe: 'scenario JSON file' }),
  handler: async (args) => {
    const scenario = await loadScenario(args.scenario);
    const outcome = await runScenario(scenario, {
      progress: defaultProgressMode(),
      onHistory: (h) => h.subscribe((e) => {
        const line = describeEvent(e, h.clock.scale);
        if (line) console.log(line);
      }),
    });
    console.log(`\nscenario '${scenario.name}': ${outcome.status}; steady state after heal: ${outcome.steadyAfterHeal.ok ? 'yes' : 'NO'} (${outcome.steadyAfterHeal.detail})`);
    if (outcome.status !== 'completed') throw outcome.error instanceof HarnessError ? outcome.error : new HarnessError(describeError(outcome.error), outcome.status === 'interrupted' ? 'aborted' : 'scenario-failed');
    if (!outcome.steadyAfterHeal.ok) process.exitCode = 1;
  },
};

function describeEvent(e: HistoryEvent, scale: number): string | undefined {
  const clocks = `[${new Date(e.t).toISOString().slice(11, 23)} | scenario ${formatScenario(e.scenarioMs)}${scale !== 1 ? ` ×${scale}` : ''}]`;
  switch (e.kind) {
    case 'phase':
      return `${clocks} phase ${e.name}`;
    case 'fault':
      return `${clocks} fault ${e.id} ${e.stage} ${e.target}${e.skewMs !== undefined ? ` (skew ${e.skewMs} ms)` : ''}${e.detail ? `: ${e.detail}` : ''}`;
    case 'action':
      return `${clocks} action ${e.id} ${e.stage}${e.detail ? `: ${e.detail}` : ''}`;
    case 'note':
      return `${clocks} ${e.message}`;
    default:
      return undefined;
  }
}

function formatScenario(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  return `${String(Math.floor(s / 3600)).padStart(2, '0')}:${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}:${String(s % 60).padStart(2, '0')}`;
}
