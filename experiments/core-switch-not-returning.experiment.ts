/**
 * A core switch that does not come back. Site A's core switch fails: its servers keep running, but nothing reaches
 * them and they reach nothing. After fifteen minutes without a sign of the switch, the operator fails over to
 * site B — where the integration engine is not (it runs at site A only, as integrations often do).
 *
 * Answers: does Opslags-EPJ carry the lookups meanwhile, how long until lookups and notes are back at B (the
 * decision, scripted, plus the failover, measured), which functions stay down because their integrations are
 * stranded at A, and does the failover lose only what was not yet replicated when the switch died?
 */
import { at, availability, coreSwitch, EPJ_FUNCTIONS, experiment, failover, INTEGRATION_FUNCTIONS, lostWrites, referenceStack, rto } from '../harness/index.js';

experiment('The core switch at site A fails and does not return: fail over after 15 minutes; what stays down?', {
  stack: referenceStack({ replication: 'async' }),
  timeScale: 120,
  timeline: [
    at('0').phase('baseline'),
    at('2 min').phase('switch down').inject('switch', coreSwitch('a')),
    at('17 min').phase('failover').act(failover()),
    at('20 min').phase('on site B'),
    at('30 min').end(),
  ],
  checks: {
    'Opslags-EPJ keeps serving': availability('read-only-lookup').in('switch down').atLeast(0.99),
    'everything at site A stops': availability(EPJ_FUNCTIONS).in('switch down').atMost(0.05),
    'lookups and notes are back at B within 20 minutes of the switch failing': rto({ fault: 'switch', functions: ['journal-lookup', 'clinical-note'] }).within('20 min'),
    'functions that need site A\'s integrations stay down at B': availability(INTEGRATION_FUNCTIONS).in('on site B').atMost(0.05),
    'the failover loses only writes not yet replicated when the switch died': lostWrites().onlyUnreplicatedAt('switch'),
  },
});
