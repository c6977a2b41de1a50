/**
 * Release drill: a vendor's rolling upgrade, as a hospital accepts it. Site B's standby EPJ and Opslags-EPJ move to
 * the candidate release, the EPJ switches over to B (planned: site A fenced, B caught up, then promoted), site A's
 * EPJ moves to the candidate, and the EPJ switches back to A — all under clinical load.
 *
 * Run as it is, the candidate is the current release (a rolling restart): the baseline. Run it again with
 * `--set candidateEpjImage=<the candidate's image>` and `epj-chaos compare` the two: what got worse (docs/compare.md).
 *
 * Answers: does the upgrade lose any acknowledged write (a planned switchover must not), how long is each function
 * down through each switch, and does the candidate make any of it worse?
 */
import { at, availability, EPJ_FUNCTIONS, experiment, failback, lostWrites, referenceStack, runbook } from '../harness/index.js';

experiment('Release drill: a rolling upgrade to the candidate release under load, over to site B and back', {
  stack: referenceStack({ replication: 'async' }),
  timeScale: 60,
  timeline: [
    at('0').phase('baseline'),
    at('1 min').phase('upgrading site B').act(runbook('upgrade-site-b')),
    at('3 min').phase('switching over to B').act(runbook('switchover')),
    // the switchover is measured work: this comes a scenario minute after it, once B has served steadily
    at('4 min').phase('on site B'),
    at('6 min').phase('upgrading site A').act(runbook('upgrade-site-a')),
    at('8 min').phase('switching back to A').act(failback()),
    // the failback is measured work too: a scenario minute after it, A has served steadily
    at('9 min').phase('back on site A'),
    at('11 min').end(),
  ],
  checks: {
    'site A serves while site B is upgraded': availability(EPJ_FUNCTIONS).in('upgrading site B').atLeast(0.99),
    'every function serves on site B': availability('all').in('on site B').atLeast(0.99),
    'site B serves while site A is upgraded': availability(EPJ_FUNCTIONS).in('upgrading site A').atLeast(0.99),
    'every function serves back on site A': availability('all').in('back on site A').atLeast(0.99),
    'the switchover and back lose no acknowledged write': lostWrites().none(),
  },
});
