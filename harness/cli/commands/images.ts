import type { Argv, CommandModule } from 'yargs';
import { connectDocker } from '../../docker/client.js';
import { hapiImageSteps, imageSteps } from '../../images/build.js';
import { defaultProgressMode, runSequentially } from '../../util/progress.js';

interface Args {
  base?: string;
  force: boolean;
  mirror?: string;
  hapi: boolean;
}

const build: CommandModule<object, Args> = {
  command: 'build',
  describe: 'Build the reference stack images offline (debootstrap base, Toxiproxy, PostgreSQL, EPJ)',
  builder: (y) =>
    y
      .option('base', { type: 'string', requiresArg: true, describe: 'public base image instead of the debootstrap one (needs a registry), e.g. debian:bookworm-slim' })
      .option('force', { type: 'boolean', default: false, describe: 'rebuild even if inputs are unchanged' })
      .option('mirror', { type: 'string', requiresArg: true, describe: 'Debian mirror for debootstrap (default http://deb.debian.org/debian or $EPJ_CHAOS_DEBIAN_MIRROR)' })
      .option('hapi', { type: 'boolean', default: false, describe: 'also the HAPI FHIR vendor-example stack\'s image (fixtures/stacks/hapi.json; needs Maven and Java 17)' }),
  handler: async (args) => {
    const docker = await connectDocker(5000, 0); // a build step may be silent for minutes
    const opts = { base: args.base, force: args.force, mirror: args.mirror };
    const steps = [...imageSteps(docker, opts), ...(args.hapi ? hapiImageSteps(docker, opts) : [])];
    await runSequentially(
      defaultProgressMode(),
      steps.map((s) => ({ title: s.title, run: () => s.run(() => {}) })),
    );
  },
};

// `images build` as one command string would make `build` a positional: `images anything` would build.
export const imagesCommand: CommandModule = {
  command: 'images',
  describe: 'Build the images a stack needs',
  builder: (y: Argv) => y.command(build).demandCommand(1, 'name an images command: build'),
  handler: () => {},
};
