/**
 * The core switch returns, but does the EPJ? In the incident, "when the core switches came back, the EPJ servers
 * did not work properly". Site A's core switch is out for two hours while its servers keep running: every database
 * connection the EPJ holds is cut mid-stream, with no reset to tell it so. Then the switch returns.
 *
 * Answers: does the EPJ reconnect by itself, and how long after the switch returns is each function back — the
 * measured part of the RTO, beyond the two scripted hours?
 */
import { at, availability, coreSwitch, EPJ_FUNCTIONS, experiment, lostWrites, referenceStack, rto } from '../harness/index.js';

experiment('The core switch at site A returns after 2 hours: does the EPJ reconnect by itself?', {
  stack: referenceStack({ replication: 'async' }),
  timeScale: 600,
  timeline: [
    at('0').phase('baseline'),
    at('5 min').phase('switch down').inject('switch', coreSwitch('a')),
    at('2 h 5 min').phase('switch back').heal('switch'),
    at('2 h 25 min').end(),
  ],
  checks: {
    'everything at site A stops while the switch is out': availability(EPJ_FUNCTIONS).in('switch down').atMost(0.05),
    'Opslags-EPJ keeps serving': availability('read-only-lookup').in('switch down').atLeast(0.99),
    'every function is back within a minute of the switch': rto({ fault: 'switch' }).within('2 h 1 min'),
    'no acknowledged write is lost': lostWrites().none(),
  },
});
