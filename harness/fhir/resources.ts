import { randomUUID } from 'node:crypto';
import { CPR_SYSTEM, syntheticCpr } from './synthetic-cpr.js';
import type { Resource } from './client.js';

/** Every write the harness makes carries its own client-side id, so it can be found again (or found missing). */
export const WRITE_ID_SYSTEM = 'urn:epj-chaos:write-id';

export function writeIdentifier(writeId: string = randomUUID()) {
  return { system: WRITE_ID_SYSTEM, value: writeId };
}

export function syntheticPatient(cpr: string = syntheticCpr()): Resource {
  return {
    resourceType: 'Patient',
    identifier: [{ system: CPR_SYSTEM, value: cpr }],
    name: [{ family: 'Testpatient', given: ['Syntetisk'] }],
    gender: 'unknown',
  };
}

export function clinicalNote(patientId: string, text: string, writeId: string = randomUUID(), encounterId?: string): Resource {
  return {
    resourceType: 'DocumentReference',
    identifier: [writeIdentifier(writeId)],
    status: 'current',
    type: { coding: [{ system: 'http://loinc.org', code: '11506-3', display: 'Progress note' }] },
    subject: { reference: `Patient/${patientId}` },
    date: new Date().toISOString(),
    content: [{ attachment: { contentType: 'text/plain; charset=utf-8', data: Buffer.from(text, 'utf8').toString('base64') } }],
    ...(encounterId ? { context: { encounter: [{ reference: `Encounter/${encounterId}` }] } } : {}),
  };
}
