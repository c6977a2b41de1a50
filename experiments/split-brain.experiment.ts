/**
 * Split brain. The WAN between the sites fails; site A keeps running, and so do the clinicians in A's own
 * building, whose clients reach A's EPJ directly — nobody tells them about a failover. The operator fails over to
 * site B, and the WAN returns. Without fencing, A's EPJ keeps acknowledging their writes while B holds the
 * primary: two EPJs, two truths. With fencing, the failover first shuts A's EPJ to writes.
 *
 * Answers: does a failover without fencing leave the old site acknowledging writes (which ones, by function and
 * time, confirmed by reading both sites back), and does fencing prevent it?
 */
import { at, availability, divergentWrites, experiment, failover, lostWrites, referenceStack, wanCut } from '../harness/index.js';

for (const fence of [false, true]) {
  experiment(`Split brain: the WAN fails, the operator fails over ${fence ? 'with' : 'without'} fencing, and site A returns`, {
    stack: referenceStack({ replication: 'async' }),
    timeScale: 60,
    // a fifth of the write load comes from clients at site A that still reach A's EPJ directly
    load: { patients: 300, clientsNobodyTold: 0.2 },
    timeline: [
      at('0').phase('baseline'),
      at('1 min').phase('wan cut').inject('wan', wanCut()),
      at('2 min').phase('failover').act(failover({ fence })),
      at('3 min').phase('site A returns').heal('wan'),
      at('5 min').end(),
    ],
    checks: {
      ...(fence
        ? { 'fencing leaves no write acknowledged at site A after the failover': divergentWrites().none() }
        : { 'without fencing, site A keeps acknowledging writes after the failover': divergentWrites().atLeast(1) }),
      'lookups are served at B after the failover': availability(['journal-lookup', 'read-only-lookup']).in('site A returns').atLeast(0.99),
      'the failover loses only writes not yet replicated when the WAN failed': lostWrites().onlyUnreplicatedAt('wan'),
    },
  });
}
