#!/usr/bin/env node
import yargs from 'yargs';
import { hideBin } from 'yargs/helpers';
import { describeError, EXIT, exitCodeOf, HarnessError } from '../errors.js';
import { cleanCommand } from './commands/clean.js';
import { matrixCommand } from './commands/matrix.js';
import { compareCommand } from './commands/compare.js';
import { doctorCommand } from './commands/doctor.js';
import { headlineCommand } from './commands/headline.js';
import { imagesCommand } from './commands/images.js';
import { listCommand } from './commands/list.js';
import { reportCommand } from './commands/report.js';
import { runCommand } from './commands/run.js';
import { stackCommand } from './commands/stack.js';

const COMMAND_WORDS = new Set(['stack', 'up', 'status', 'down', 'run', 'images', 'build', 'doctor', 'clean', 'headline', 'report', 'compare', 'matrix']);

/** The command words that lead argv (`stack up `), for pointing at the right --help. */
function commandWords(args: string[]): string {
  const words: string[] = [];
  for (const a of args) {
    if (!COMMAND_WORDS.has(a) || words.length === 2) break;
    words.push(a);
  }
  return words.map((w) => `${w} `).join('');
}

await yargs(hideBin(process.argv))
  .scriptName('epj-chaos')
  // flags are read as typed (args['epj-port']); expansion would also name an unknown --time-scale as timeScale
  .parserConfiguration({ 'camel-case-expansion': false })
  .usage('$0 <command>\n\nChaos experiments for two-site EPJ deployments.')
  .command(stackCommand)
  .command(runCommand)
  .command(listCommand)
  .command(imagesCommand)
  .command(doctorCommand)
  .command(cleanCommand)
  .command(headlineCommand)
  .command(reportCommand)
  .command(compareCommand)
  .command(matrixCommand)
  .demandCommand(1, 'name a command (see --help)')
  .strict()
  .recommendCommands()
  .help()
  .alias('h', 'help')
  .version()
  .fail((msg, err) => {
    // One message on stderr, never a stack trace (unless EPJ_CHAOS_DEBUG is set, for bugs) and never the whole
    // help: the message names the flag, field or file at fault. Exit codes: EXIT in harness/errors.ts.
    if (msg) {
      // yargs' own checks and coerce functions: usage errors. recommendCommands says only "Did you mean up?".
      const args = hideBin(process.argv);
      if (msg.startsWith('Did you mean')) msg = `unknown command '${args.find((a) => !COMMAND_WORDS.has(a))}'. ${msg}`;
      process.stderr.write(`epj-chaos: ${msg}\n  see: epj-chaos ${commandWords(args)}--help\n`);
      process.exit(EXIT.usage);
    }
    process.stderr.write(`epj-chaos: ${describeError(err)}\n`);
    if (!(err instanceof HarnessError) && process.env.EPJ_CHAOS_DEBUG) process.stderr.write(`${err?.stack}\n`);
    process.exit(exitCodeOf(err));
  })
  .parseAsync();
