// An example k6 script for `load: { k6: { script } }` (docs/k6.md): three clinical functions at the rates the
// experiment promises, as open-model arrival-rate scenarios named after the functions. Never run against a real k6
// here (k6 is AGPL and not installed on the machine this was written on); check it with `k6 inspect` first.
import http from 'k6/http';
import exec from 'k6/execution';

const patients = JSON.parse(open(__ENV.EPJ_PATIENTS_FILE));
const timeout = `${__ENV.EPJ_TIMEOUT_MS}ms`;
const pick = () => patients[Math.floor(Math.random() * patients.length)];

const arrivals = (rate, exec) => ({
  executor: 'constant-arrival-rate',
  rate: Number(rate ?? 1),
  timeUnit: '1s',
  duration: '3h',
  preAllocatedVUs: 10,
  maxVUs: 200, // room for rate × the worst answer time, so arrivals are not dropped while the EPJ stalls
  exec,
});

export const options = {
  scenarios: {
    'journal-lookup': arrivals(__ENV.EPJ_RATE_JOURNAL_LOOKUP, 'lookup'),
    'clinical-note': arrivals(__ENV.EPJ_RATE_CLINICAL_NOTE, 'note'),
    admission: arrivals(__ENV.EPJ_RATE_ADMISSION, 'admit'),
  },
};

export function lookup() {
  http.get(`${__ENV.EPJ_URL_JOURNAL_LOOKUP}/Patient/${pick().patientId}`, { tags: { epj_function: 'journal-lookup' }, timeout });
}

export function note() {
  const p = pick();
  const writeId = crypto.randomUUID();
  const body = {
    resourceType: 'DocumentReference',
    status: 'current',
    identifier: [{ system: 'urn:epj-chaos:write-id', value: writeId }],
    subject: { reference: `Patient/${p.patientId}` },
    content: [{ attachment: { contentType: 'text/plain', data: 'U3ludGhldGljIG5vdGU=' } }],
  };
  exec.vu.metrics.metadata.epj_write_id = writeId; // metadata, not a tag: one id per request
  http.post(`${__ENV.EPJ_URL_CLINICAL_NOTE}/DocumentReference`, JSON.stringify(body), {
    headers: { 'content-type': 'application/fhir+json' },
    tags: { epj_function: 'clinical-note', epj_resource_type: 'DocumentReference' },
    timeout,
  });
  delete exec.vu.metrics.metadata.epj_write_id;
}

export function admit() {
  const p = pick();
  const writeId = crypto.randomUUID();
  const body = {
    resourceType: 'Encounter',
    status: 'in-progress',
    class: { system: 'http://terminology.hl7.org/CodeSystem/v3-ActCode', code: 'IMP' },
    identifier: [{ system: 'urn:epj-chaos:write-id', value: writeId }],
    subject: { reference: `Patient/${p.patientId}` },
  };
  exec.vu.metrics.metadata.epj_write_id = writeId;
  http.post(`${__ENV.EPJ_URL_ADMISSION}/Encounter`, JSON.stringify(body), {
    headers: { 'content-type': 'application/fhir+json' },
    tags: { epj_function: 'admission', epj_resource_type: 'Encounter' },
    timeout,
  });
  delete exec.vu.metrics.metadata.epj_write_id;
}
