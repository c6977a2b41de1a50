import { describeError } from '../errors.js';
import { declareExperiment } from './registry.js';
import { leafSummaries, runExperiment, type ExperimentResult, type ExperimentSpec } from './run.js';
import { releaseSharedStack } from './shared-stack.js';

let sharedStackReleased = false;

/**
 * After the last suite of the process, the stack the last experiment handed on goes down: a root hook, as experiment()
 * is called at a file's top level (every experiment is), where mocha's `after` adds to the root suite.
 */
function releaseSharedStackAtTheEnd(): void {
  if (sharedStackReleased) return;
  sharedStackReleased = true;
  after('take down the stack the experiments shared', async function () {
    this.timeout(120_000);
    await releaseSharedStack();
  });
}

/**
 * An experiment as a mocha suite: the run skeleton runs once (harness/experiment/run.ts), and each named check
 * becomes one test whose outcome is the check's verdict — the same object the journal records, so mocha, the
 * journal and the exit code cannot disagree. A check that is `unknown` fails its test, with the reason.
 */
export function experiment(title: string, spec: ExperimentSpec): void {
  declareExperiment({ title, spec });
  // loaded by `epj-chaos list` or `run --dry-run` rather than by mocha: declared, not run
  if (typeof describe !== 'function') return;
  // experiments in one process hand a restored stack on to the next with the same definition (shared-stack.ts)
  releaseSharedStackAtTheEnd();
  describe(title, function () {
    // the scenario's wall length, plus up, seeding, the gate and the teardown
    this.timeout(10 * 60_000);
    let result: ExperimentResult | undefined;
    let crash: unknown;

    before(async function () {
      try {
        // mocha knows the file the suite was declared in: its text goes into the journal and the report
        const file = this.test?.parent?.file;
        result = await runExperiment(title, spec, { log: (line) => console.log(`      ${line}`), shareStack: true, ...(file ? { file } : {}) });
        if (result.journal) console.log(`      journal: ${result.journal}`);
      } catch (err) {
        crash = err; // reported by every test below, so no check silently passes
      }
    });

    for (const name of Object.keys(spec.checks)) {
      it(name, () => {
        if (crash) throw new Error(`the experiment could not run: ${describeError(crash)}`);
        if (result!.status === 'aborted' || result!.status === 'interrupted') throw new Error(`${result!.status}: ${result!.reason}`);
        const outcome = result!.checks.find((c) => c.name === name);
        // a run that failed before its checks (the stack did not come up, …) fails every check with its reason
        if (!outcome) throw new Error(`the experiment did not get to its checks: ${result!.reason ?? result!.status}`);
        if (outcome.verdict.status !== 'pass') {
          throw new Error(`${outcome.verdict.status}: expected ${outcome.expectation}; ${leafSummaries(outcome.verdict) || outcome.verdict.summary}`);
        }
      });
    }
  });
}
