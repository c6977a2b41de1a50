/**
 * Read-only fallback drill. Many regions keep their read-only copy cold and start it when the EPJ is lost; in the
 * incident it would not start at all. Here site A is lost at once (no UPS), and three minutes later the operator
 * starts Opslags-EPJ at site B.
 *
 * Answers: how long from losing site A until clinicians can look a patient up again (the operator's scripted
 * decision plus the measured start), and how old is what Opslags-EPJ then shows?
 */
import { at, availability, experiment, referenceStack, rto, sitePower, staleness, startLookup, stopLookup } from '../harness/index.js';

experiment('Read-only fallback drill: site A is gone; how long until Opslags-EPJ serves, and how stale is it?', {
  stack: referenceStack({ replication: 'async' }),
  timeScale: 60,
  timeline: [
    at('0').phase('baseline'),
    at('30 s').phase('fallback kept cold').act(stopLookup()),
    at('2 min').phase('site A gone').inject('site a', sitePower({ site: 'a', ups: '0', mainsBackAfter: '2 h' })),
    // a lookup started within one attempt timeout (2 s) of the start waits in Toxiproxy's dial to the stopped
    // fallback and is answered once it serves (10 of 66 once): that stretch is a phase of its own
    at('2 min 30 s').phase('fallback about to start'),
    at('5 min').phase('fallback starting').act(startLookup()),
    // the start is measured work: this step comes a scenario minute later, once Opslags-EPJ has served steadily
    at('6 min').phase('fallback serving'),
    at('10 min').end(),
  ],
  checks: {
    'nothing serves lookups while site A is gone and the fallback is cold': availability(['journal-lookup', 'read-only-lookup']).in('site A gone').atMost(0.05),
    'Opslags-EPJ serves within 4 minutes of losing site A': rto({ fault: 'site a', functions: ['read-only-lookup'] }).within('4 min'),
    'and keeps serving once started': availability('read-only-lookup').in('fallback serving').atLeast(0.99),
    'what it shows is no older than the outage': staleness('read-only-lookup').in('fallback serving').atMost('9 min'),
  },
});
