import { at, fault, referenceStack, rto, type ExperimentSpec } from '../../harness/index.js';

/**
 * The release drill of the release comparison (test/integration/release-compare.test.ts, bench/release-noise.ts):
 * the primary database restarts under load, on the reference stack with the EPJ image of one release.
 */
export const RELEASE_DRILL_TITLE = 'release drill: the primary database restarts under load';

export function releaseDrill(epjImage: string): ExperimentSpec {
  return {
    stack: referenceStack({ epjImage }),
    timeScale: 60,
    load: { patients: 100 },
    steadyState: { functions: 'all', atLeast: 0.99, for: '30 s' },
    timeline: [
      at('0').phase('baseline'),
      at('1 min').phase('database restarted').inject('restart', fault('container-restart', { target: { role: 'db-primary' } })),
      at('4 min').end(),
    ],
    checks: { 'every function back within 10 minutes of the restart': rto({ fault: 'restart' }).within('10 min') },
  };
}
