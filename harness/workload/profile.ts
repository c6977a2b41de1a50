import { InvalidInputError } from '../errors.js';
import { CLINICAL_FUNCTIONS, type ClinicalFunction } from '../stack/definition.js';

/** Arrival rate per clinical function, in attempts per second (open model: they keep arriving while the EPJ stalls). */
export type LoadProfile = Readonly<Record<ClinicalFunction, number>>;

export const READ_FUNCTIONS: readonly ClinicalFunction[] = ['journal-lookup', 'read-only-lookup'];
export const WRITE_FUNCTIONS: readonly ClinicalFunction[] = ['clinical-note', 'admission', 'discharge', 'referral', 'e-prescription'];
/** the writes the EPJ commits only once the national integrations answered (fixtures/epj/integration.go) */
export const INTEGRATION_FUNCTIONS: readonly ClinicalFunction[] = ['admission', 'discharge', 'referral', 'e-prescription'];
/** everything clinicians do through the EPJ itself, as opposed to Opslags-EPJ, the read-only fallback */
export const EPJ_FUNCTIONS: readonly ClinicalFunction[] = ['journal-lookup', ...WRITE_FUNCTIONS];

/** HTTP requests one attempt makes: a lookup is Patient + Encounter + DocumentReference + MedicationRequest; a discharge GET + PUT. */
export const REQUESTS_PER_ATTEMPT: Readonly<Record<ClinicalFunction, number>> = {
  'journal-lookup': 4,
  'clinical-note': 1,
  admission: 1,
  discharge: 2,
  referral: 1,
  'e-prescription': 1,
  'read-only-lookup': 4,
};

/**
 * The default clinical mix: 100 attempts/s in all (272 HTTP requests/s), small enough for a laptop running the
 * whole two-site stack, large enough that every function has ≥ 4 attempts in each 1-s bucket (so one failure in
 * a bucket is visible, and a bucket is never empty).
 *
 * Shares follow how clinicians spend EHR time (chart review ≈ 33 %, documentation ≈ 24 %, ordering ≈ 17 %):
 * - chart review → journal lookup 45/s + read-only lookup 10/s (Opslags-EPJ is probed continuously at a
 *   lower rate, so its availability is known before it is needed). Opening a chart is the shortest interaction
 *   (tens of seconds against minutes for a note), so 33 % of the time buys ~3× as many attempts as 24 % of
 *   documenting: 55 lookups vs 17 notes. In HTTP requests that is 227 reads (incl. the discharges' GETs) per 45 writes: ≈ 5 reads per write.
 * - documentation → clinical note 17/s.
 * - ordering → e-prescription 8/s + referral 4/s = 12/s, i.e. documentation : ordering = 17 : 12 ≈ 24 : 17.
 * - admission 9/s and discharge 7/s (patient flow, outside those three shares but the functions the incident
 *   lost): discharge < admission so the pool of in-progress encounters to discharge never drains.
 */
export const defaultProfile: LoadProfile = Object.freeze({
  'journal-lookup': 45,
  'clinical-note': 17,
  admission: 9,
  discharge: 7,
  referral: 4,
  'e-prescription': 8,
  'read-only-lookup': 10,
});

/** The same mix at `factor` × the rate (×10 ≈ 1000 attempts/s). */
export function scaleProfile(profile: LoadProfile, factor: number): LoadProfile {
  if (!(factor > 0) || !Number.isFinite(factor)) throw new InvalidInputError(`load factor must be a positive number, got ${factor}`);
  return Object.freeze(Object.fromEntries(CLINICAL_FUNCTIONS.map((fn) => [fn, round3(profile[fn] * factor)]))) as LoadProfile;
}

/** The profile a stack is driven at: an experiment's, times the load scale its definition declares (`loadScale`). */
export function atStackScale(profile: LoadProfile, loadScale: number): LoadProfile {
  return loadScale === 1 ? profile : scaleProfile(profile, loadScale);
}

/** A profile with only the given functions kept (the rest at 0), e.g. for a stack that serves fewer functions. */
export function onlyFunctions(profile: LoadProfile, keep: readonly ClinicalFunction[]): LoadProfile {
  return Object.freeze(Object.fromEntries(CLINICAL_FUNCTIONS.map((fn) => [fn, keep.includes(fn) ? profile[fn] : 0]))) as LoadProfile;
}

export interface ProfileTotals {
  attemptsPerSecond: number;
  readAttemptsPerSecond: number;
  writeAttemptsPerSecond: number;
  /** HTTP requests per second the profile sends when every request succeeds */
  httpRequestsPerSecond: number;
  readRequestsPerSecond: number;
  writeRequestsPerSecond: number;
  /** read HTTP requests per write HTTP request (a discharge's GET counts as a read) */
  readsPerWrite: number;
}

export function profileTotals(profile: LoadProfile): ProfileTotals {
  let reads = 0;
  let writes = 0;
  let readReq = 0;
  let writeReq = 0;
  for (const fn of CLINICAL_FUNCTIONS) {
    const r = profile[fn];
    if (!(r >= 0) || !Number.isFinite(r)) throw new InvalidInputError(`profile rate of '${fn}' must be a finite number ≥ 0, got ${r}`);
    if (READ_FUNCTIONS.includes(fn)) {
      reads += r;
      readReq += r * REQUESTS_PER_ATTEMPT[fn];
    } else {
      writes += r;
      writeReq += r; // one write request per write attempt …
      readReq += r * (REQUESTS_PER_ATTEMPT[fn] - 1); // … plus any read it needs first
    }
  }
  return {
    attemptsPerSecond: round3(reads + writes),
    readAttemptsPerSecond: round3(reads),
    writeAttemptsPerSecond: round3(writes),
    httpRequestsPerSecond: round3(readReq + writeReq),
    readRequestsPerSecond: round3(readReq),
    writeRequestsPerSecond: round3(writeReq),
    readsPerWrite: writeReq === 0 ? Infinity : round3(readReq / writeReq),
  };
}

function round3(x: number): number {
  return Math.round(x * 1000) / 1000;
}
