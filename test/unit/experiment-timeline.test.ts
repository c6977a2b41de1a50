import { expect } from 'chai';
import { failover } from '../../harness/actions/failover.js';
import { InvalidInputError } from '../../harness/errors.js';
import { sitePower, wanCut } from '../../harness/experiment/faults.js';
import { at, planTimeline } from '../../harness/experiment/timeline.js';
import { Timeline } from '../../harness/timeline/timeline.js';

const MIN = 60_000;

describe('experiment: timeline in scenario time', () => {
  it('turns the Holstebro story into timeline steps the engine accepts', () => {
    const plan = planTimeline([
      at('0').phase('baseline'),
      at('20 min').phase('on UPS').inject('power', sitePower({ site: 'a', ups: '27 min', mainsBackAfter: '31 min', boot: [{ component: 'core-switch', after: '3.5 h' }] })),
      at('47 min').phase('site A dark').whenApplied('power'),
      at('47 min').inject('wan', wanCut()),
      at('67 min').phase('failover').act(failover()),
      at('1 h 40 min').end(),
    ]);
    expect(plan.endMs).to.equal(100 * MIN);
    expect(plan.steps.map((s) => s.at)).to.deep.equal([0, 20 * MIN, 47 * MIN, 47 * MIN, 67 * MIN]);
    expect(plan.steps[1]!.inject).to.deep.include({ name: 'power', kind: 'site-power', upsRuntimeMs: 27 * MIN, mainsRestoredAfterMs: 31 * MIN });
    expect(plan.steps[1]!.inject?.boot).to.deep.equal([{ component: 'core-switch', afterMs: 210 * MIN, returns: true }]);
    expect(() => Timeline.plan(plan.steps)).to.not.throw();
  });

  it('refuses what the engine would refuse, and what only a timeline can get wrong', () => {
    expect(() => at('soon')).to.throw(InvalidInputError, /at\("soon"\): 'soon' is not a duration/);
    expect(() => at('1 min').heal('a').heal('b')).to.throw(InvalidInputError, /sets heal twice/);
    expect(() => planTimeline([])).to.throw(InvalidInputError, /timeline is empty/);
    expect(() => planTimeline([at('5 min').end(), at('6 min').phase('late')])).to.throw(InvalidInputError, /after the timeline's end/);
    expect(() => planTimeline([at('1 min').end(), at('2 min').end()])).to.throw(InvalidInputError, /ends 2 times/);
    // a heal of a fault nobody injected: caught by the engine's plan, before anything runs
    expect(() => Timeline.plan(planTimeline([at('1 min').heal('wan')]).steps)).to.throw(InvalidInputError, /heals 'wan', which no step injects/);
  });
});
