/**
 * WAN partition. The link between the data centres fails for ten minutes: replication stops, site A carries on.
 * Clinicians at site B keep reading through Opslags-EPJ — but how old is what they read?
 *
 * Answers: does Opslags-EPJ stay up while it is cut off, how stale does it get, does anything at site A notice,
 * and is any acknowledged write lost when the WAN returns?
 */
import { at, availability, EPJ_FUNCTIONS, experiment, lostWrites, referenceStack, rto, staleness, wanCut } from '../harness/index.js';

experiment('WAN cut for 10 minutes: does Opslags-EPJ stay up, and how stale does it get?', {
  stack: referenceStack({ replication: 'async' }),
  timeScale: 60,
  load: { patients: 300 },
  steadyState: { functions: 'all', atLeast: 0.99, for: '1 min' },
  abortWhen: [availability('journal-lookup').below(0.5).for('1 min')],
  timeline: [
    at('0').phase('baseline'),
    at('2 min').phase('wan cut').inject('wan', wanCut()),
    at('12 min').phase('recovery').heal('wan'),
    at('17 min').end(),
  ],
  checks: {
    'Opslags-EPJ stays up while cut off': availability('read-only-lookup').in('wan cut').atLeast(0.99),
    'what it shows is at most 11 minutes old': staleness('read-only-lookup').in('wan cut').atMost('11 min'),
    'site A does not notice': availability(EPJ_FUNCTIONS).in('wan cut').atLeast(0.99),
    'every function recovers within 5 minutes of the cut': rto({ fault: 'wan' }).within('5 min'),
    'no acknowledged write is lost': lostWrites().none(),
  },
});
