import type { z } from 'zod';
import { HarnessError } from '../../errors.js';
import { FhirClient } from '../../fhir/client.js';
import { syntheticPatient } from '../../fhir/resources.js';
import { CLINICAL_FUNCTIONS, type ClinicalFunction } from '../../stack/definition.js';
import type { proveWriteStepSchema } from '../schema.js';
import type { StepContext, StepOutcome } from './step.js';

/** A synthetic Patient created through the front door serving `function`, acknowledged with an id. */
export async function runProveWriteStep(spec: z.infer<typeof proveWriteStepSchema>, s: StepContext): Promise<StepOutcome> {
  if (!(CLINICAL_FUNCTIONS as readonly string[]).includes(spec.function)) throw new HarnessError(`proveWrite: '${spec.function}' is not a clinical function`, 'runbook-invalid');
  const fhir = new FhirClient(s.ctx.stack.functionEndpoint(spec.function as ClinicalFunction), s.timeoutMs ?? 5000);
  const created = await fhir.create(syntheticPatient());
  return { answer: { id: created.id }, said: `POST Patient through the ${spec.function} front door → acknowledged (Patient/${created.id})` };
}
