import type { OperatorAction } from '../actions/action.js';
import { InvalidInputError } from '../errors.js';
import type { FaultSpec } from '../faults/registry.js';
import type { TimelineStep } from '../timeline/timeline.js';
import { parseDuration } from './duration.js';

/**
 * An experiment's timeline, written in scenario time:
 *
 *   at('0').phase('baseline'),
 *   at('2 min').phase('wan cut').inject('wan', wanCut()),
 *   at('12 min').phase('recovery').heal('wan'),
 *   at('17 min').end(),
 *
 * Each builder is immutable and becomes one step of harness/timeline/timeline.ts, which checks the whole plan
 * (fault kinds and parameters, heals of injected faults) before anything starts.
 */
export class Step {
  private constructor(
    readonly atMs: number,
    private readonly fields: Omit<TimelineStep, 'at'>,
    /** the scenario ends here: the load stops and the run moves on to healing and checks */
    readonly isEnd = false,
  ) {}

  static at(atMs: number): Step {
    return new Step(atMs, {});
  }

  /** a new phase starts where this step takes effect */
  phase(name: string): Step {
    return this.with({ phase: name });
  }

  /** inject `fault` under `name` (a later step heals it, a check refers to it by this name) */
  inject(name: string, fault: FaultSpec): Step {
    return this.with({ inject: { ...fault, name } as TimelineStep['inject'] });
  }

  heal(name: string): Step {
    return this.with({ heal: name });
  }

  /** an operator action (failover, failback, …) */
  act(action: OperatorAction): Step {
    return this.with({ action });
  }

  /** the phase starts where the fault injected under `name` took hold, not at this step's instant */
  whenApplied(name: string): Step {
    return this.with({ phaseWhenApplied: name });
  }

  end(): Step {
    return new Step(this.atMs, this.fields, true);
  }

  /** The timeline step, or undefined for a bare end. */
  toStep(): TimelineStep | undefined {
    return Object.keys(this.fields).length === 0 ? undefined : ({ at: this.atMs, ...this.fields } as TimelineStep);
  }

  private with(extra: Omit<TimelineStep, 'at'>): Step {
    for (const key of Object.keys(extra) as (keyof typeof extra)[]) {
      if (this.fields[key] !== undefined) throw new InvalidInputError(`the step at ${this.atMs} ms sets ${key} twice`);
    }
    return new Step(this.atMs, { ...this.fields, ...extra }, this.isEnd);
  }
}

/** A step at scenario time `when` ('2 min', '3.5 h', or ms). */
export function at(when: string | number): Step {
  return Step.at(parseDuration(when, `at(${JSON.stringify(when)})`));
}

export interface PlannedTimeline {
  steps: TimelineStep[];
  /** where the scenario ends: the `end()` step, else the last step */
  endMs: number;
}

/** The steps in order, and where the scenario ends; an experiment without `end()` ends at its last step. */
export function planTimeline(steps: readonly Step[]): PlannedTimeline {
  if (steps.length === 0) throw new InvalidInputError('the timeline is empty: an experiment needs at least one step');
  const ends = steps.filter((s) => s.isEnd);
  if (ends.length > 1) throw new InvalidInputError(`the timeline ends ${ends.length} times (at ${ends.map((e) => e.atMs).join(', ')} ms): one end() only`);
  const endMs = ends[0]?.atMs ?? Math.max(...steps.map((s) => s.atMs));
  const late = steps.filter((s) => s.atMs > endMs);
  if (late.length > 0) throw new InvalidInputError(`a step at ${late[0]!.atMs} ms comes after the timeline's end at ${endMs} ms`);
  return { steps: steps.map((s) => s.toStep()).filter((s): s is TimelineStep => s !== undefined).sort((a, b) => a.at - b.at), endMs };
}
