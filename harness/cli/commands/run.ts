import type { CommandModule } from 'yargs';
import type { HistoryEvent } from '../../history/events.js';
import { HarnessError, describeError } from '../../errors.js';
import { writeJournal } from '../../reporters/journal.js';
import { runScenario } from '../../scenario/run-scenario.js';
import { loadScenario } from '../../scenario/scenario.js';
import { defaultProgressMode } from '../../util/progress.js';

interface Args {
  /** always set in the handler: the builder's check refuses a missing one */
  scenario?: string;
}

export const runCommand: CommandModule<object, Args> = {
  // [scenario], not <scenario>: yargs would say only "Not enough non-option arguments", not which one is missing
  command: 'run [scenario]',
  describe: 'Run a scenario file: bring the stack up, play its timeline of faults and actions, heal, tear down; the journal lands in reports/',
  builder: (y) =>
    y
      .positional('scenario', { type: 'string', describe: 'the scenario JSON file to run (required), e.g. experiments/scenarios/power-cut.json' })
      .check((a) => (a.scenario ? true : 'missing <scenario>: name the scenario JSON file to run')),
  handler: async (args) => {
    const file = args.scenario!;
    const scenario = await loadScenario(file);
    const outcome = await runScenario(scenario, {
      source: `scenario ${file}`,
      progress: defaultProgressMode(),
      onHistory: (h) => h.subscribe((e) => {
        const line = describeEvent(e, h.clock.scale);
        if (line) console.log(line);
      }),
    });
    if (outcome.runId) {
      const journal = await writeJournal({ experiment: scenario.name, status: outcome.status, runId: outcome.runId, verdicts: [], history: outcome.history });
      console.log(`\njournal: ${journal}`);
    }
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
