/**
 * Both sites down (Guy's and St Thomas', 2022: cooling failed in both data centres in a heatwave). Site A loses
 * power first, site B a few minutes later; nothing is left, not even the read-only copy. When the mains return,
 * the servers boot in whatever order they come — here each site's EPJ before its database.
 *
 * Answers: is there any function left while both are dark (there should not be: the drill is knowing it), does
 * the cold start come back by itself in that order, how long does each function take, and did every write that
 * was acknowledged survive the power loss of both databases?
 */
import { at, availability, experiment, lostWrites, referenceStack, rto, sitePower } from '../harness/index.js';

// each site's EPJ boots at once, its database ten minutes later: the EPJ must wait for it and connect by itself
const BOOT_A = [{ component: 'db-primary', after: '10 min' }];
const BOOT_B = [{ component: 'db-replica', after: '10 min' }];

experiment('Both sites lose power: is anything left, and does the cold start come back by itself?', {
  stack: referenceStack({ replication: 'async' }),
  timeScale: 600,
  timeline: [
    at('0').phase('baseline'),
    at('5 min').phase('site A on UPS').inject('power a', sitePower({ site: 'a', ups: '10 min', mainsBackAfter: '1 h', boot: BOOT_A })),
    at('10 min').inject('power b', sitePower({ site: 'b', ups: '10 min', mainsBackAfter: '55 min', boot: BOOT_B })),
    at('15 min').phase('site A dark').whenApplied('power a'),
    at('20 min').phase('both dark').whenApplied('power b'),
    at('1 h 5 min').phase('cold start'),
    at('1 h 45 min').end(),
  ],
  checks: {
    'nothing serves while both sites are dark': availability('all').in('both dark').atMost(0.05),
    'every function is back within 20 minutes of the mains': rto({ fault: 'power a' }).within('1 h 10 min'),
    'every acknowledged write survived both power losses': lostWrites().none(),
  },
});
