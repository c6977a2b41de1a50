/**
 * National integrations down. The integration engine that reaches patient administration, MedCom and FMK becomes
 * unreachable for ten minutes (its link hangs, as a firewall or a national outage makes it). The EPJ calls it
 * before it commits an admission, a discharge, a referral or an e-prescription, so a failed call fails the write.
 *
 * Answers: which functions degrade — exactly those four, or more — is anything half-written (acknowledged but not
 * stored), and how soon after the integrations return is each function back?
 */
import { at, availability, blackhole, experiment, INTEGRATION_FUNCTIONS, lostWrites, referenceStack, rto } from '../harness/index.js';

experiment('National integrations unreachable for 10 minutes: which functions degrade?', {
  stack: referenceStack({ replication: 'async' }),
  timeScale: 60,
  timeline: [
    at('0').phase('baseline'),
    at('2 min').phase('integrations down').inject('integrations', blackhole({ kind: 'integration' })),
    at('12 min').phase('integrations back').heal('integrations'),
    at('15 min').end(),
  ],
  checks: {
    'admissions, discharges, referrals and e-prescriptions fail': availability(INTEGRATION_FUNCTIONS).in('integrations down').atMost(0.05),
    'lookups and notes carry on': availability(['journal-lookup', 'clinical-note', 'read-only-lookup']).in('integrations down').atLeast(0.99),
    'all four are back within a minute of the integrations': rto({ fault: 'integrations', functions: INTEGRATION_FUNCTIONS }).within('11 min'),
    'no acknowledged write is lost': lostWrites().none(),
  },
});
