/**
 * An experiment run as its own process, for the runner's interrupted ending (test/integration/experiment-runner.test.ts):
 * a front-door blackhole held for 30 scenario minutes, which the test interrupts with SIGINT.
 *
 *   node dist/test/support/interrupted-experiment.js <report dir>
 */
import { at, blackhole, lostWrites, referenceStack, runExperiment } from '../../harness/index.js';

const reportDir = process.argv[2];
if (!reportDir) {
  process.stderr.write('usage: interrupted-experiment <report dir>\n');
  process.exit(2);
}
await runExperiment(
  'runner: interrupted',
  {
    stack: referenceStack(),
    timeScale: 60,
    load: { patients: 100 },
    steadyState: { functions: 'all', atLeast: 0.99, for: '1 min' },
    timeline: [at('0').phase('baseline'), at('30 s').phase('blackholed').inject('door', blackhole({ kind: 'front-door' })), at('30 min').heal('door'), at('31 min').end()],
    checks: { 'nothing lost': lostWrites().none() },
  },
  { reportDir, log: (line) => process.stdout.write(`${line}\n`) },
);
