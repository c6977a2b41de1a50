#!/usr/bin/env node
import yargs from 'yargs';
import { hideBin } from 'yargs/helpers';
import { describeError, HarnessError } from '../errors.js';
import { cleanCommand } from './commands/clean.js';
import { doctorCommand } from './commands/doctor.js';
import { headlineCommand } from './commands/headline.js';
import { imagesCommand } from './commands/images.js';
import { runCommand } from './commands/run.js';
import { stackCommand } from './commands/stack.js';

await yargs(hideBin(process.argv))
  .scriptName('epj-chaos')
  .usage('$0 <command>\n\nChaos experiments for two-site EPJ deployments.')
  .command(stackCommand)
  .command(runCommand)
  .command(imagesCommand)
  .command(doctorCommand)
  .command(cleanCommand)
  .command(headlineCommand)
  .demandCommand(1, 'name a command (see --help)')
  .strict()
  .recommendCommands()
  .help()
  .alias('h', 'help')
  .version()
  .fail((msg, err, y) => {
    if (err) {
      // HarnessErrors are expected failures: the message and fix, no stack trace.
      process.stderr.write(`epj-chaos: ${describeError(err)}\n`);
      if (!(err instanceof HarnessError) && process.env.EPJ_CHAOS_DEBUG) process.stderr.write(`${err.stack}\n`);
    } else {
      process.stderr.write(`${y.help()}\n\nepj-chaos: ${msg}\n`);
    }
    process.exit(err instanceof HarnessError && err.code === 'aborted' ? 130 : msg ? 2 : 1);
  })
  .parseAsync();
