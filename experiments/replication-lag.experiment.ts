/**
 * Replication lag under load. The WAN slows down (half a second each way) while clinicians keep writing: site A
 * carries on, but its copy at site B falls behind. Nobody fails over — the question is what a failover would cost
 * if it had to happen now: the what-if failover curve, second by second.
 *
 * Answers: does the lag touch any clinical function, how many acknowledged writes would a failover at the worst
 * instant lose, and does the replica catch up by itself once the WAN is fast again?
 */
import { at, availability, experiment, lostWrites, referenceStack, replicationLag, staleness, whatIfLoss } from '../harness/index.js';

experiment('Replication lag under load: what would a failover lose, second by second?', {
  stack: referenceStack({ replication: 'async' }),
  timeScale: 30,
  timeline: [
    at('0').phase('baseline'),
    at('1 min').phase('lagging').inject('lag', replicationLag('500 ms')),
    at('4 min').phase('caught up').heal('lag'),
    at('6 min').end(),
  ],
  checks: {
    'no clinical function notices the lag': availability('all').in('lagging').atLeast(0.99),
    // ~45 writes/s × (0.5 s + the heartbeat interval): a failover at the worst instant loses a few dozen, not hundreds
    'a failover at the worst instant would lose at most 150 acknowledged writes': whatIfLoss().atMost(150),
    'Opslags-EPJ is fresh again once the WAN is': staleness('read-only-lookup').in('caught up').atMost('2 min'),
    'no acknowledged write is lost': lostWrites().none(),
  },
});
