#!/usr/bin/env node
import yargs from 'yargs';
import { hideBin } from 'yargs/helpers';
import { describeError, EXIT, exitCodeOf, HarnessError } from '../errors.js';
import type { CommandModule } from 'yargs';

/**
 * The commands, each loaded only when asked for: a command's module brings the engine parts it needs, and a CLI
 * that loaded them all would spend most of a second on imports before saying "unknown flag". In help order.
 */
const COMMANDS: Record<string, () => Promise<CommandModule<any, any>>> = {
  stack: async () => (await import('./commands/stack.js')).stackCommand,
  run: async () => (await import('./commands/run.js')).runCommand,
  list: async () => (await import('./commands/list.js')).listCommand,
  images: async () => (await import('./commands/images.js')).imagesCommand,
  doctor: async () => (await import('./commands/doctor.js')).doctorCommand,
  clean: async () => (await import('./commands/clean.js')).cleanCommand,
  headline: async () => (await import('./commands/headline.js')).headlineCommand,
  report: async () => (await import('./commands/report.js')).reportCommand,
  compare: async () => (await import('./commands/compare.js')).compareCommand,
  matrix: async () => (await import('./commands/matrix.js')).matrixCommand,
};

/**
 * A command line that starts with a command loads that command alone; anything else (help, a typo, a flag before
 * the command — whose value could look like a command word) loads every command, and yargs decides as before.
 */
async function commandsFor(args: string[]) {
  const first = args[0];
  const names = first !== undefined && Object.hasOwn(COMMANDS, first) ? [first] : Object.keys(COMMANDS);
  return Promise.all(names.map((n) => COMMANDS[n]!()));
}

const COMMAND_WORDS = new Set([...Object.keys(COMMANDS), 'up', 'status', 'down', 'definition', 'build']);

/** The command words that lead argv (`stack up `), for pointing at the right --help. */
function commandWords(args: string[]): string {
  const words: string[] = [];
  for (const a of args) {
    if (!COMMAND_WORDS.has(a) || words.length === 2) break;
    words.push(a);
  }
  return words.map((w) => `${w} `).join('');
}

const cli = yargs(hideBin(process.argv))
  .scriptName('epj-chaos')
  // flags are read as typed (args['epj-port']); expansion would also name an unknown --time-scale as timeScale
  .parserConfiguration({ 'camel-case-expansion': false })
  .usage('$0 <command>\n\nChaos experiments for two-site EPJ deployments.');
for (const command of await commandsFor(hideBin(process.argv))) cli.command(command);
await cli
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
