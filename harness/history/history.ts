import { Clock } from './clock.js';
import type { EventKind, EventOf, HistoryEvent, NewEvent } from './events.js';

/**
 * The run's single, append-only record. Writers (workload, faults, probes, actions) call `record`; checkers and
 * reporters read with `ofKind`. Listeners see each event as it lands (live console, journal file).
 */
export class History {
  private readonly events: HistoryEvent[] = [];
  private readonly listeners = new Set<(e: HistoryEvent) => void>();

  constructor(private readonly scenarioClock: Clock = new Clock()) {
    // every change of the clock's pace is part of the record, so a journal rebuilds the same clock
    scenarioClock.onSegment((s) => this.record({ kind: 'clock', mark: s.mark, scale: scenarioClock.scale, t: s.wall, scenarioMs: s.scenario }));
  }

  get clock(): Clock {
    return this.scenarioClock;
  }

  /**
   * Scenario time 0 is where the timeline starts, which is known only once the stack is up, seeded and judged
   * healthy — after the history has begun (the load and the steady-state gate come first). This moves scenario 0
   * to `wall` and restamps what is already recorded, so every event's two clocks agree with the timeline.
   */
  startScenarioAt(wall: number): void {
    this.scenarioClock.restart(wall);
    for (const e of this.events) {
      e.scenarioMs = this.scenarioClock.toScenario(e.t);
      e.clockMark = this.scenarioClock.markAt(e.t);
    }
  }

  record<E extends NewEvent>(event: E): HistoryEvent {
    const t = event.t ?? this.clock.now();
    const stamped = { ...event, t, scenarioMs: event.scenarioMs ?? this.clock.toScenario(t), clockMark: this.clock.markAt(t) } as HistoryEvent;
    this.events.push(stamped);
    for (const l of this.listeners) {
      try {
        l(stamped);
      } catch {
        /* a failing listener (a reporter) must not break the run */
      }
    }
    return stamped;
  }

  all(): readonly HistoryEvent[] {
    return this.events;
  }

  ofKind<K extends EventKind>(kind: K): EventOf<K>[] {
    return this.events.filter((e): e is EventOf<K> => e.kind === kind);
  }

  subscribe(listener: (e: HistoryEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /**
   * The part of a long run that lies in [from, to] — request buckets by the instant their attempts started, every
   * other event by its own — with the events that describe the whole run rather than a moment of it (the clock's
   * changes of pace, the load's start and stop: what a checker needs to know the schedule), on a copy of the clock.
   * A matrix judges each cell on its slice (harness/matrix/cell-result.ts): the checkers then read the cell, not
   * every cell before it.
   */
  slice(from: number, to: number): History {
    const inside = (e: HistoryEvent) => {
      const at = momentOf(e);
      return at === undefined || (at >= from && at <= to);
    };
    const h = new History(Clock.fromSegments(this.clock.scale, [...this.clock.segments]));
    for (const e of this.events) if (inside(e)) h.events.push(e);
    return h;
  }

  /**
   * Takes out the events that lie before `before` — request buckets by the instant their attempts started, every
   * other event by its own — but those that describe the whole run (the clock's changes of pace, the load's start and
   * stop), and returns them in the order they were recorded. A long run that has judged a stretch hands its events
   * to its journal's spill (harness/reporters/journal-spill.ts) instead of keeping them: what stays is the stretch
   * still to be judged.
   */
  spill(before: number): HistoryEvent[] {
    const out: HistoryEvent[] = [];
    const kept: HistoryEvent[] = [];
    for (const e of this.events) {
      const at = momentOf(e);
      (at !== undefined && at < before ? out : kept).push(e);
    }
    this.events.length = 0;
    for (const e of kept) this.events.push(e);
    return out;
  }

  /**
   * Builds a history from recorded events (a journal file, a constructed test case). Without a clock given, the
   * recorded `clock` events rebuild the run's (scale and pace); a history without any gets a 1× clock.
   */
  static from(events: HistoryEvent[], clock?: Clock): History {
    const h = new History(clock ?? clockOf(events));
    // one at a time: a long run's journal holds more events than a call takes arguments
    for (const e of [...events].sort((a, b) => a.t - b.t)) h.events.push(e);
    return h;
  }
}

/**
 * The moment of the run an event belongs to — a request bucket's by the instant its attempts started, any other by
 * its own — or undefined for events that describe the whole run (the clock's changes of pace, the load's start and
 * stop): what slice keeps whatever the window, and spill never takes out.
 */
function momentOf(e: HistoryEvent): number | undefined {
  if (e.kind === 'clock' || e.kind === 'load') return undefined;
  return e.kind === 'requests' ? e.bucket : e.t;
}

function clockOf(events: HistoryEvent[]): Clock {
  const marks = events.filter((e): e is EventOf<'clock'> => e.kind === 'clock').sort((a, b) => a.t - b.t);
  // the run's segments start at its last restart (scenario 0); earlier ones belong to a clock it replaced
  let zero = -1;
  marks.forEach((m, i) => {
    if (m.scenarioMs === 0) zero = i;
  });
  if (zero < 0) return new Clock(1, events[0]?.t ?? 0);
  const segs = marks.slice(zero).map((m) => ({ wall: m.t, scenario: m.scenarioMs, mark: m.mark }));
  return Clock.fromSegments(marks[zero]!.scale, segs);
}
