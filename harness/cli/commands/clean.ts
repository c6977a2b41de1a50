import type { CommandModule } from 'yargs';
import { connectDocker } from '../../docker/client.js';
import { reap } from '../../docker/reaper.js';

interface Args {
  all: boolean;
  run?: string;
}

export const cleanCommand: CommandModule<object, Args> = {
  command: 'clean',
  describe: 'Remove leftovers of earlier runs (by label): runs whose process is gone, detached stacks included',
  builder: (y) =>
    y
      .option('all', { type: 'boolean', default: false, describe: 'also remove runs whose process is still alive' })
      .option('run', { type: 'string', describe: 'remove only this run' }),
  handler: async (args) => {
    const docker = await connectDocker();
    const removed = await reap(docker, args.run ? { kind: 'run', run: args.run } : args.all ? { kind: 'all' } : { kind: 'stale' });
    if (removed.length === 0) console.log('nothing to clean');
    for (const r of removed) {
      console.log(`removed run ${r.run} (${r.stack}): ${r.containers} containers, ${r.networks} networks, ${r.volumes} volumes`);
    }
  },
};
