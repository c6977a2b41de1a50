/**
 * Failover drill, asynchronous against synchronous (remote_apply) replication. In the incident nobody dared fail
 * over: replication was asynchronous and no one knew what would be lost. The drill answers it both ways on the same
 * story — the WAN between the sites is cut for two minutes (what does synchrony cost while it is?), then site A is lost
 * and the operator fails over to B, where an integration engine of its own runs (the option the power-cut story
 * lacks), so every function can come back.
 *
 * Answers: which acknowledged writes a failover loses (async: only what was not yet replicated; remote_apply: none),
 * what synchronous replication costs in write latency, and in write availability while the WAN is cut.
 */
import { at, availability, experiment, failover, latency, lostWrites, referenceStack, replicationLag, rto, sitePower, wanCut, WRITE_FUNCTIONS } from '../harness/index.js';

/** the WAN's delay on the replication stream: a synchronous commit waits at least that long for the standby */
const WAN_DELAY = '30 ms';

for (const replication of ['async', 'remote_apply'] as const) {
  const sync = replication === 'remote_apply';
  experiment(`Failover drill with ${replication} replication: what does a failover lose, and what does synchrony cost?`, {
    stack: referenceStack({ replication, integrations: 'each-site' }),
    timeScale: 60,
    timeline: [
      at('0').phase('baseline').inject('wan delay', replicationLag(WAN_DELAY)),
      at('1 min').phase('wan cut').inject('wan', wanCut()),
      // a write still waiting for the standby when the WAN returns is answered then: the last 2 s of wall time before
      // the heal (the clients' timeout; 2 min at 60×) are a phase of their own
      at('4 min').phase('wan cut, answered after the heal'),
      at('6 min').phase('wan back').heal('wan'),
      at('7 min').phase('site A lost').inject('power', sitePower({ site: 'a', ups: '0', mainsBackAfter: '2 h' })),
      at('8 min').phase('failover').act(failover()),
      at('9 min').phase('on site B'),
      at('11 min').end(),
    ],
    checks: sync
      ? {
          'a synchronous commit waits for the standby: write p50 at least the WAN delay': latency(WRITE_FUNCTIONS).p50.in('baseline').atLeast(WAN_DELAY),
          // and so does everything else at A: every EPJ connection ends up waiting for a commit
          'writes stop while the WAN is cut': availability(WRITE_FUNCTIONS).in('wan cut').atMost(0.05),
          'every function is back at B within 90 s of losing site A': rto({ fault: 'power' }).within('90 s'),
          'the failover loses no acknowledged write': lostWrites().none(),
        }
      : {
          'writes do not wait for the standby: write p50 below the WAN delay': latency(WRITE_FUNCTIONS).p50.in('baseline').atMost(WAN_DELAY),
          'writes carry on while the WAN is cut': availability(WRITE_FUNCTIONS).in('wan cut').atLeast(0.99),
          'every function is back at B within 90 s of losing site A': rto({ fault: 'power' }).within('90 s'),
          'the failover loses only writes not yet replicated when site A was lost': lostWrites().onlyUnreplicatedAt('power'),
        },
  });
}
