import { HarnessError, InvalidInputError } from '../errors.js';
import { syntheticPatient } from '../fhir/resources.js';
import { syntheticCpr } from '../fhir/synthetic-cpr.js';
import type { Resource } from '../fhir/client.js';
import { entryIdentity, entryStatus, type TransactionResponseEntry } from '../fhir/written-identity.js';
import { prngFor, type Prng } from '../util/prng.js';
import { FhirEndpoint } from '../fhir/endpoint.js';

/** A seeded patient, as the load generator needs it. */
export interface SeededPatient {
  patientId: string;
  /** synthetic CPR (month 00), the journal lookup's key */
  cpr: string;
  /** the in-progress inpatient Encounter, when the patient is admitted (discharge targets) */
  encounterId?: string;
}

export interface SeedOptions {
  patients: number;
  /** share of patients currently admitted: an in-progress inpatient (IMP) Encounter (default 0.3) */
  admittedFraction?: number;
  /** clinical notes per patient (default 2) */
  notesPerPatient?: number;
  /** active prescriptions per patient (default 1) */
  prescriptionsPerPatient?: number;
  /** share of patients with an active referral (default 0.3) */
  referralFraction?: number;
  /** entries per transaction bundle (default 4000; the reference EPJ takes ≤ 5000) */
  bundleEntries?: number;
  /** bundles in flight at once (default 2) */
  concurrency?: number;
  timeoutMs?: number;
  signal?: AbortSignal;
  /**
   * makes the patients reproducible: the same seed (and options) gives the same CPR numbers, admissions, notes,
   * prescriptions and referrals, dated the same way relative to the moment of seeding (default: random). The
   * journal records it (docs/journal.md).
   */
  seed?: number;
}

type Group = PlannedPatient;

const ATC = [
  ['N02BE01', 'paracetamol'],
  ['C10AA01', 'simvastatin'],
  ['A02BC01', 'omeprazole'],
  ['B01AC06', 'acetylsalicylic acid'],
  ['C09AA02', 'enalapril'],
] as const;

/**
 * Seeds synthetic patients through transaction bundles (a few thousand entries each), so the journal lookup reads
 * real bundles: every patient has a finished outpatient encounter, notes and active prescriptions; some are
 * admitted (an in-progress IMP encounter) and some have a referral. All CPR numbers are synthetic (month 00) and
 * distinct within one call. With `seed`, what is seeded is the same every time (planPatients).
 */
export async function seedPatients(target: string | FhirEndpoint, opts: SeedOptions): Promise<SeededPatient[]> {
  const base = FhirEndpoint.of(target, 'seeding');
  const bundles = planPatients(opts);
  const out: SeededPatient[][] = new Array(bundles.length);
  let next = 0;
  const worker = async () => {
    while (next < bundles.length) {
      const i = next++;
      out[i] = await postBundle(base, bundles[i]!, opts);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(opts.concurrency ?? 2, bundles.length)) }, worker));
  return out.flat();
}

/** The patients of one seeding, a transaction bundle's worth of them at a time; a pure function of (opts, now) given `seed`. */
export interface PlannedPatient {
  cpr: string;
  entries: { fullUrl: string; resource: Resource }[];
  admitted: boolean;
}

/** What `seedPatients` will post, without posting it: bundles of patients, dated relative to `now`. */
export function planPatients(opts: SeedOptions, now = Date.now()): PlannedPatient[][] {
  const n = opts.patients;
  const admitted = opts.admittedFraction ?? 0.3;
  const notes = opts.notesPerPatient ?? 2;
  const prescriptions = opts.prescriptionsPerPatient ?? 1;
  const referrals = opts.referralFraction ?? 0.3;
  const perBundle = opts.bundleEntries ?? 4000;
  if (!Number.isInteger(n) || n < 1) throw new InvalidInputError(`patients must be a positive integer, got ${n}`);
  for (const [name, f] of [['admittedFraction', admitted], ['referralFraction', referrals]] as const) {
    if (!(f >= 0 && f <= 1)) throw new InvalidInputError(`${name} must be within [0, 1], got ${f}`);
  }
  if (!Number.isInteger(perBundle) || perBundle < 10 || perBundle > 5000) {
    throw new InvalidInputError(`bundleEntries must be an integer within [10, 5000], got ${perBundle}`);
  }
  if (opts.seed !== undefined && !Number.isInteger(opts.seed)) throw new InvalidInputError(`seed must be an integer, got ${opts.seed}`);

  const prng = prngFor(opts.seed);
  const cprs = new Set<string>();
  const groups: Group[] = [];
  for (let i = 0; i < n; i++) {
    let cpr = syntheticCpr(prng);
    while (cprs.has(cpr)) cpr = syntheticCpr(prng);
    cprs.add(cpr);
    groups.push(patientGroup(prng, cpr, i < Math.round(n * admitted), notes, prescriptions, prng.next() < referrals, now));
  }
  // Admitted patients spread over the list (the first round(n × fraction) got an admission; shuffle).
  for (let i = groups.length - 1; i > 0; i--) {
    const j = prng.int(0, i + 1);
    [groups[i], groups[j]] = [groups[j]!, groups[i]!];
  }

  const bundles: Group[][] = [];
  let current: Group[] = [];
  let size = 0;
  for (const g of groups) {
    if (g.entries.length > perBundle) throw new InvalidInputError(`one patient needs ${g.entries.length} entries, more than bundleEntries ${perBundle}`);
    if (size + g.entries.length > perBundle) {
      bundles.push(current);
      current = [];
      size = 0;
    }
    current.push(g);
    size += g.entries.length;
  }
  if (current.length) bundles.push(current);
  return bundles;
}

function patientGroup(prng: Prng, cpr: string, admitted: boolean, notes: number, prescriptions: number, referral: boolean, now: number): Group {
  const uuid = () => `urn:uuid:${prng.uuid()}`;
  const patientUrl = uuid();
  const subject = { reference: patientUrl };
  const iso = (ms: number) => new Date(ms).toISOString();
  const day = 86_400_000;
  const visitStart = now - prng.int(30, 700) * day;
  const visitUrl = uuid();
  const entries: Group['entries'] = [
    { fullUrl: patientUrl, resource: syntheticPatient(cpr) },
    {
      fullUrl: visitUrl,
      resource: {
        resourceType: 'Encounter',
        status: 'finished',
        class: { system: 'http://terminology.hl7.org/CodeSystem/v3-ActCode', code: 'AMB', display: 'ambulatory' },
        subject,
        period: { start: iso(visitStart), end: iso(visitStart + 3_600_000) },
      },
    },
  ];
  let encounterUrl = visitUrl;
  if (admitted) {
    encounterUrl = uuid();
    entries.push({
      fullUrl: encounterUrl,
      resource: {
        resourceType: 'Encounter',
        status: 'in-progress',
        class: { system: 'http://terminology.hl7.org/CodeSystem/v3-ActCode', code: 'IMP', display: 'inpatient encounter' },
        subject,
        period: { start: iso(now - prng.int(1, 120) * 3_600_000) },
      },
    });
  }
  for (let k = 0; k < notes; k++) {
    entries.push({
      fullUrl: uuid(),
      resource: {
        resourceType: 'DocumentReference',
        status: 'current',
        type: { coding: [{ system: 'http://loinc.org', code: '11506-3', display: 'Progress note' }] },
        subject,
        date: iso(now - prng.int(1, 600) * 3_600_000),
        content: [{ attachment: { contentType: 'text/plain; charset=utf-8', data: Buffer.from(`Syntetisk notat ${k + 1}: kontrol, intet nyt.`).toString('base64') } }],
        context: { encounter: [{ reference: encounterUrl }] },
      },
    });
  }
  for (let k = 0; k < prescriptions; k++) {
    const [code, display] = ATC[prng.int(0, ATC.length)]!;
    entries.push({
      fullUrl: uuid(),
      resource: {
        resourceType: 'MedicationRequest',
        status: 'active',
        intent: 'order',
        subject,
        medicationCodeableConcept: { coding: [{ system: 'http://www.whocc.no/atc', code, display }], text: display },
        authoredOn: iso(visitStart),
      },
    });
  }
  if (referral) {
    entries.push({
      fullUrl: uuid(),
      resource: {
        resourceType: 'ServiceRequest',
        status: 'active',
        intent: 'order',
        subject,
        code: { coding: [{ system: 'http://snomed.info/sct', code: '306206005', display: 'Referral to service' }] },
        authoredOn: iso(visitStart),
      },
    });
  }
  return { cpr, entries, admitted };
}

async function postBundle(base: FhirEndpoint, groups: Group[], opts: SeedOptions): Promise<SeededPatient[]> {
  const entries = groups.flatMap((g) => g.entries.map((e) => ({ ...e, request: { method: 'POST', url: e.resource.resourceType } })));
  const signals = [AbortSignal.timeout(opts.timeoutMs ?? 120_000), ...(opts.signal ? [opts.signal] : [])];
  let res: Response;
  let text: string;
  try {
    // a transaction is POSTed to [base] itself (http.html#transaction); a base without a path is sent as `POST /`
    res = await base.fetch('', {
      method: 'POST',
      headers: { 'content-type': 'application/fhir+json', accept: 'application/fhir+json' },
      body: JSON.stringify({ resourceType: 'Bundle', type: 'transaction', entry: entries }),
      signal: AbortSignal.any(signals),
    });
    text = await res.text();
  } catch (err) {
    throw new HarnessError(`seeding at ${base.url}: the transaction of ${entries.length} entries failed: ${(err as Error).message}`, 'seed-failed');
  }
  if (res.status !== 200) {
    throw new HarnessError(`seeding at ${base.url}: the transaction answered ${res.status}: ${text.slice(0, 500)}`, 'seed-failed');
  }
  const ids = transactionIds(text, entries.map((e) => e.resource.resourceType), base.url);
  const out: SeededPatient[] = [];
  let i = 0;
  for (const g of groups) {
    const patientId = ids[i]!;
    // entries: Patient, finished visit, then (if admitted) the in-progress Encounter
    out.push(g.admitted ? { patientId, cpr: g.cpr, encounterId: ids[i + 2]! } : { patientId, cpr: g.cpr });
    i += g.entries.length;
  }
  return out;
}

/**
 * The server-assigned id of every entry of a transaction-response: one entry per request entry, in the same order
 * (http.html#transaction-response), each 2xx in `response.status`, named by `response.location` (or `fullUrl`, or
 * the returned resource: harness/fhir/written-identity.ts). Anything else fails the seeding.
 */
export function transactionIds(responseText: string, sentTypes: readonly string[], base: string): string[] {
  const fail = (why: string) => new HarnessError(`seeding at ${base}: ${why}`, 'seed-failed');
  let body: { resourceType?: unknown; entry?: TransactionResponseEntry[] };
  try {
    body = JSON.parse(responseText) as typeof body;
  } catch {
    throw fail(`the transaction response is not JSON: ${responseText.slice(0, 300)}`);
  }
  if (body?.resourceType !== 'Bundle') throw fail('the transaction response is not a Bundle');
  const entries = body.entry ?? [];
  if (entries.length !== sentTypes.length) throw fail(`the transaction response has ${entries.length} entries for ${sentTypes.length} sent`);
  return entries.map((e, i) => {
    const status = entryStatus(e);
    if (!(status >= 200 && status < 300)) throw fail(`transaction response entry ${i} (${sentTypes[i]}) has status ${String(e.response?.status)}`);
    const id = entryIdentity(e, sentTypes[i]!)?.id;
    if (!id) throw fail(`transaction response entry ${i} names no ${sentTypes[i]} (response.location, fullUrl or resource)`);
    return id;
  });
}
