/**
 * Site A loses power. The generator fails; the UPS carries servers, SAN and network for 27 minutes; the mains return
 * after 31, but the core switch needs 3.5 hours. Twenty minutes into the outage the operator fails over to site B,
 * where the read-only fallback (Opslags-EPJ) has served lookups all along from an asynchronous copy.
 *
 * Answers: does Opslags-EPJ keep serving while site A is dark, does everything at A stop, how long until lookups
 * and notes are back by failover, which functions stay down at B because the integrations (patient administration,
 * MedCom, FMK) run at site A only, and are the writes the failover loses exactly those not yet replicated?
 */
import { at, availability, EPJ_FUNCTIONS, experiment, failover, INTEGRATION_FUNCTIONS, lostWrites, referenceStack, replicationLag, rto, sitePower, wanCut } from '../harness/index.js';

experiment('Site A loses power with a failing generator; the operator fails over to B 20 minutes in', {
  stack: referenceStack({ replication: 'async' }),
  timeScale: 300,
  load: { patients: 500 },
  timeline: [
    // a WAN with some latency, as between two data centres: asynchronous replication runs a little behind
    at('0').phase('baseline').inject('wan latency', replicationLag('30 ms', '10 ms')),
    at('20 min').phase('on UPS').inject('power', sitePower({ site: 'a', ups: '27 min', mainsBackAfter: '31 min', boot: [{ component: 'core-switch', after: '3.5 h' }] })),
    at('47 min').phase('site A dark').whenApplied('power'),
    at('47 min').inject('wan', wanCut()), // the WAN into site A dies with its switch
    at('67 min').phase('failover').act(failover()),
    at('100 min').phase('on site B'),
    at('140 min').end(),
  ],
  checks: {
    'nothing breaks while the UPS carries site A': availability('all').in('on UPS').atLeast(0.99),
    'Opslags-EPJ keeps serving while site A is dark': availability('read-only-lookup').in('site A dark').atLeast(0.99),
    'every function at site A stops': availability(EPJ_FUNCTIONS).in('site A dark').atMost(0.05),
    'lookups and notes are back within an hour of the power loss': rto({ fault: 'power', functions: ['journal-lookup', 'clinical-note', 'read-only-lookup'] }).within('1 h'),
    // the incident's finding: the EPJ is back at B, but not what needs site A's integration engine
    'admissions, discharges, referrals and e-prescriptions stay down at B': availability(INTEGRATION_FUNCTIONS).in('on site B').atMost(0.05),
    'the failover loses only writes not yet replicated': lostWrites().onlyUnreplicatedAt('power'),
  },
});
