import type { CommandModule } from 'yargs';
import { FhirClient, FhirError } from '../../fhir/client.js';
import { clinicalNote, syntheticPatient, WRITE_ID_SYSTEM } from '../../fhir/resources.js';
import { HarnessError } from '../../errors.js';
import { referenceStack, REPLICATION_MODES } from '../../stack/reference-stack.js';
import { upStack } from '../../stack/up.js';
import { pollUntil } from '../../stack/wait/poll.js';
import { defaultProgressMode } from '../../util/progress.js';
import { abortOnSignals } from '../interrupt.js';
import { replicationFlag } from './stack.js';

interface Args {
  replication: string;
}

/**
 * The headline job until the experiment runner lands: bring the reference stack up, write a patient note through
 * site A, read it back through Opslags-EPJ at site B, check that Opslags-EPJ refuses writes, tear down.
 */
export const headlineCommand: CommandModule<object, Args> = {
  command: 'headline',
  describe: 'Up the reference stack, write a note at site A, read it at site B (Opslags-EPJ), tear down',
  builder: (y) => y.option('replication', { type: 'string', default: 'async', requiresArg: true, coerce: replicationFlag('replication'), describe: REPLICATION_MODES.join(' | ') }),
  handler: async (args) => {
    const def = referenceStack({ replication: args.replication });
    const interrupt = abortOnSignals();
    const t0 = Date.now();
    const stack = await upStack(def, { signal: interrupt.signal, progress: defaultProgressMode() });
    try {
      console.log(`stack up in ${((Date.now() - t0) / 1000).toFixed(1)} s (run ${stack.runId})`);
      const siteA = new FhirClient(stack.functionEndpoint('clinical-note'));
      const lookupB = new FhirClient(stack.functionEndpoint('read-only-lookup'));

      const patient = await siteA.create(syntheticPatient());
      const note = await siteA.create(clinicalNote(patient.id, 'Indlagt med brystsmerter. Syntetisk testnotat.'));
      const writeId = (note.identifier as { value: string }[])[0]!.value;
      console.log(`site A acknowledged DocumentReference/${note.id} (write ${writeId})`);

      const written = Date.now();
      await pollUntil(
        'the note at Opslags-EPJ (site B)',
        async () => (await lookupB.search('DocumentReference', { identifier: `${WRITE_ID_SYSTEM}|${writeId}` })).length === 1,
        { timeoutMs: 15_000, intervalMs: 20, signal: interrupt.signal },
      );
      console.log(`Opslags-EPJ at site B returns the note ${Date.now() - written} ms after site A acknowledged it`);

      const refused = await lookupB.request('POST', 'DocumentReference', clinicalNote(patient.id, 'must be refused'));
      if (refused.ok) throw new HarnessError(`Opslags-EPJ accepted a write (${refused.status})`, 'headline-failed');
      console.log(`Opslags-EPJ refused a write with ${refused.status}: ${new FhirError(refused.status, refused.body, 'POST').message.replace(/^.*?: /, '')}`);
    } finally {
      await stack.down();
      interrupt.dispose();
      console.log('stack removed');
    }
  },
};
