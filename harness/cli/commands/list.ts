import path from 'node:path';
import type { CommandModule } from 'yargs';
import { libraryFiles, loadExperimentFiles } from '../../experiment/load.js';

/** One line per library experiment: its file and the question it answers (its title). */
export const listCommand: CommandModule = {
  command: 'list',
  describe: 'List the library of experiments (experiments/*.experiment.ts) and the question each answers',
  handler: async () => {
    const loaded = await loadExperimentFiles(libraryFiles());
    const width = Math.max(0, ...loaded.map(({ file }) => path.basename(file).length)) + 2;
    for (const { file, experiments } of loaded) {
      for (const e of experiments) console.log(`${path.basename(file).padEnd(width)}${e.title}`);
    }
  },
};
