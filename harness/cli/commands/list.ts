import path from 'node:path';
import type { CommandModule } from 'yargs';
import { libraryFiles, loadExperimentFiles } from '../../experiment/load.js';

/** One line per library experiment: its file and the question it answers (its title). */
export const listCommand: CommandModule = {
  command: 'list',
  describe: 'List the library of experiments (experiments/*.experiment.ts) and the question each answers',
  handler: async () => {
    for (const { file, experiments } of await loadExperimentFiles(libraryFiles())) {
      for (const e of experiments) console.log(`${path.basename(file).padEnd(36)} ${e.title}`);
    }
  },
};
