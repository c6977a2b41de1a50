/**
 * Holstebro, replayed. A power cut at site A: the generator fails, the UPS carries the data centre for 27 minutes,
 * then everything at A goes dark. The mains return after 31 minutes, but the core switches take hours: the servers
 * boot into a site with no network. When the switch returns (3.5 h after the cut) the EPJ comes back — without its
 * integrations (patient administration, MedCom, FMK), which return an hour later. Nobody fails over to site B:
 * replication is asynchronous and no one knows what would be lost. Opslags-EPJ, the read-only copy at B, is all the
 * clinicians have.
 *
 * Answers: do lookups through Opslags-EPJ hold throughout, how long is each function down (RTO, in its scripted and
 * measured parts), how stale is what Opslags-EPJ shows, and is any acknowledged write lost when nobody fails over?
 */
import { at, availability, EPJ_FUNCTIONS, experiment, INTEGRATION_FUNCTIONS, lostWrites, referenceStack, rto, sitePower, staleness, wanCut } from '../harness/index.js';

experiment('Holstebro, replayed: power cut at site A, no failover, the core switch back after 3.5 hours', {
  stack: referenceStack({ replication: 'async' }),
  timeScale: 600,
  timeline: [
    at('0').phase('baseline'),
    at('5 min').phase('on UPS').inject('power', sitePower({
      site: 'a',
      ups: '27 min',
      mainsBackAfter: '31 min',
      // after the mains return: the core switch 3 h later (3.5 h after the cut), the integration engine an hour after that
      boot: [{ component: 'core-switch', after: '3 h' }, { component: 'integration-engine', after: '4 h' }],
    })),
    at('32 min').phase('site A dark').whenApplied('power'),
    at('32 min').inject('wan', wanCut()), // the WAN into site A dies with its switch
    at('36 min').phase('power back, no network'),
    at('3 h 36 min').phase('EPJ back, integrations down').heal('wan'),
    at('4 h 36 min').phase('integrations back'),
    at('5 h 6 min').end(),
  ],
  checks: {
    'nothing breaks while the UPS carries site A': availability('all').in('on UPS').atLeast(0.99),
    'Opslags-EPJ serves lookups while site A is dark': availability('read-only-lookup').in('site A dark').atLeast(0.99),
    'and while site A has power but no network': availability('read-only-lookup').in('power back, no network').atLeast(0.99),
    'everything at site A is down until its switch returns': availability(EPJ_FUNCTIONS).in('power back, no network').atMost(0.05),
    'lookups and notes are back within 3.5 hours of the power loss': rto({ fault: 'power', functions: ['journal-lookup', 'clinical-note'] }).within('3.5 h'),
    'the EPJ is back without its integrations': availability(INTEGRATION_FUNCTIONS).in('EPJ back, integrations down').atMost(0.05),
    'admissions, discharges, referrals and e-prescriptions within 4.5 hours': rto({ fault: 'power', functions: INTEGRATION_FUNCTIONS }).within('4.5 h'),
    'Opslags-EPJ is at most as stale as the outage is long': staleness('read-only-lookup').in('power back, no network').atMost('3.5 h'),
    'and fresh again once site A is back': staleness('read-only-lookup').in('integrations back').atMost('5 min'),
    'no acknowledged write is lost without a failover': lostWrites().none(),
  },
});
