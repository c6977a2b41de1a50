import { expect } from 'chai';
import { InvalidInputError } from '../../harness/errors.js';
import { FaultInjector } from '../../harness/faults/injector.js';
import { Clock } from '../../harness/history/clock.js';
import { History } from '../../harness/history/history.js';
import type { StartedStack } from '../../harness/stack/started-stack.js';
import { Timeline } from '../../harness/timeline/timeline.js';

describe('timeline', () => {
  const planError = (steps: unknown[]) => {
    try {
      Timeline.plan(steps);
    } catch (err) {
      expect(err).to.be.instanceOf(InvalidInputError);
      return (err as Error).message;
    }
    throw new Error('expected the plan to be refused');
  };

  it('refuses unknown fault kinds, negative instants, bad parameters, and heals of faults never injected', () => {
    const message = planError([
      { at: -5, phase: 'baseline' },
      { at: 0, inject: { name: 'x', kind: 'meteor-strike' } },
      { at: 0, inject: { name: 'slow', kind: 'latency', target: { links: ['epj-front'] }, latencyMs: -1 } },
      { at: 10, heal: 'nobody' },
      { at: 10, phase: 'p', inject: { name: 'k', kind: 'container-kill', target: { site: 'a' } }, heal: 'x' },
    ]);
    expect(message).to.contain('step 1: at:');
    expect(message).to.contain("unknown fault kind 'meteor-strike'");
    expect(message).to.contain('latencyMs');
    expect(message).to.contain("heals 'nobody', which no step injects");
    expect(message).to.contain('a step does one of inject, heal, action');
  });

  it('refuses a heal scheduled before its inject, and a name injected twice', () => {
    const message = planError([
      { at: 5000, inject: { name: 'cut', kind: 'wan-cut' } },
      { at: 1000, heal: 'cut' },
      { at: 6000, inject: { name: 'cut', kind: 'wan-cut' } },
    ]);
    expect(message).to.contain("heals 'cut' at 1000 ms, before it is injected at 5000 ms");
    expect(message).to.contain("a fault named 'cut' is injected twice");
  });

  it("refuses a phase named like one the harness records itself, so that a check of it cannot count the other's attempts", () => {
    for (const name of ['taking hold', 'healing', 'steady state', 'end']) {
      const message = planError([{ at: 0, phase: 'baseline' }, { at: 1000, phase: name }]);
      expect(message, name).to.contain(`step 2: phase: a name the harness records itself`);
      expect(message, name).to.contain(`'${name}'`);
    }
    // only the exact names: a phase may still say what it is about
    expect(() => Timeline.plan([{ at: 0, phase: 'the end of the night shift' }, { at: 1000, phase: 'healing wounds' }])).not.to.throw();
  });

  it('names one problem once: the heal of a refused inject is not reported too, and later steps keep their numbers', () => {
    const message = planError([
      { at: 0, phase: 'baseline' },
      { at: 1000, phase: 'end', inject: { name: 'wan', kind: 'wan-cut' } },
      { at: 2000, inject: { name: 'slow', kind: 'latency', target: { links: ['epj-front'] }, latencyMs: -1 } },
      { at: 3000, heal: 'wan' },
      { at: 3000, heal: 'slow' },
      { at: 4000, heal: 'ghost' },
    ]);
    expect(message.split('\n').slice(1)).to.have.length(3);
    expect(message).to.contain('step 2: phase: a name the harness records itself');
    expect(message).to.contain('step 3:').and.to.contain('latencyMs');
    expect(message).to.contain("step 6: heals 'ghost', which no step injects");
  });

  it('knows its length', () => {
    const t = Timeline.plan([{ at: 0, phase: 'a' }, { at: 31 * 60_000, phase: 'b' }]);
    expect(t.durationMs).to.equal(31 * 60_000);
  });

  it('runs steps at scenario time ÷ scale and stamps both clocks', async () => {
    const history = new History(new Clock(100)); // 100 scenario ms per wall ms
    const injector = new FaultInjector({ stack: { runId: 'unit' } as StartedStack, history });
    const t0 = Date.now();
    await Timeline.plan([
      { at: 0, phase: 'baseline' },
      { at: 10_000, phase: 'fault' },
      { at: 20_000, phase: 'recovery' },
    ]).run(injector);
    await injector.close();
    const phases = history.ofKind('phase');
    expect(phases.map((p) => p.name)).to.deep.equal(['baseline', 'fault', 'recovery']);
    // 10 000 scenario ms = 100 wall ms apart
    expect(phases[1]!.t - t0).to.be.within(95, 140);
    expect(phases[2]!.t - t0).to.be.within(195, 240);
    expect(phases[2]!.scenarioMs - phases[0]!.scenarioMs).to.be.within(19_500, 24_000);
  });

  it('a running timeline stops on abort', async () => {
    const history = new History(new Clock(1));
    const injector = new FaultInjector({ stack: { runId: 'unit' } as StartedStack, history });
    const abort = new AbortController();
    setTimeout(() => abort.abort(new Error('stop')), 50);
    let error: unknown;
    try {
      await Timeline.plan([{ at: 0, phase: 'a' }, { at: 60_000, phase: 'never' }]).run(injector, { signal: abort.signal });
    } catch (err) {
      error = err;
    }
    await injector.close();
    expect((error as Error)?.message).to.equal('stop');
    expect(history.ofKind('phase').map((p) => p.name)).to.deep.equal(['a']);
  });
});

describe('clock', () => {
  it('maps scenario time to wall time by the scale', () => {
    const c = new Clock(60, 1_000_000);
    expect(c.toWall(60_000)).to.equal(1_001_000);
    expect(c.toScenario(1_002_000)).to.equal(120_000);
    expect(() => new Clock(0)).to.throw(/positive/);
  });
});
