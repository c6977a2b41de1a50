import { createLogUpdate } from 'log-update';
import { formatScenarioDuration } from '../experiment/duration.js';
import type { HistoryEvent, RequestBucketEvent } from '../history/events.js';
import type { History } from '../history/history.js';
import { CLINICAL_FUNCTIONS, type ClinicalFunction } from '../stack/definition.js';

/**
 * Live progress of a run, from its History (it only reads: it subscribes, as the journal does).
 *
 * On a terminal (`tty`) a small block is redrawn in place at most ~4 times a second: the phase, both clocks (wall
 * since the progress started, scenario time, and which clock runs now when the history says), the faults injected
 * and not healed, the last action or note, and per function the availability of the last 5 s of request buckets.
 * The redraw is log-update's (the library listr2 itself draws with, already in the tree): it erases exactly the
 * lines it drew and writes the next frame, which is all a status block needs; listr2's task list does not fit a
 * block that is not a list of tasks. The cursor is left visible: hiding it would install exit handlers for
 * restoring it, beside the harness's own signal handling.
 *
 * Without a terminal (CI, pipes) it prints plain lines and never a cursor code: one per phase change, fault stage,
 * operator action stage and note, and one availability line per phase, printed once every bucket of the phase
 * has been recorded (buckets land a grace period after their second; see harness/workload/buckets.ts) or at stop.
 * On a terminal the same lines are printed above the block, so the scrollback keeps the story.
 */

export interface ProgressStream {
  write(chunk: string): unknown;
  isTTY?: boolean;
  columns?: number;
  rows?: number;
}

export interface LiveProgressOptions {
  /** where progress goes (default: stderr, so stdout stays the test reporter's) */
  stream?: ProgressStream;
  /** redraw a block (default: whether `stream` is a terminal) or print plain lines */
  tty?: boolean;
  /** the functions to show, in this order (default: those that appear in the buckets, in the usual order) */
  functions?: readonly ClinicalFunction[];
  /** how often the block is redrawn, ms (default 250: at most 4 frames a second) */
  redrawMs?: number;
  /** the availability window of the block, ms of buckets (default 5000) */
  windowMs?: number;
  /**
   * The history's scenario clock is restarted at the timeline's start (History.startScenarioAt, as the experiment
   * runner does after the steady-state gate): until that restart (a `clock` event at scenario 0) scenario time is
   * shown as "before scenario 0", not as the provisional clock's reading. Default false: scenario time as stamped.
   */
  scenarioStartsLater?: boolean;
  /** the wall clock (tests) */
  now?: () => number;
}

export interface LiveProgress {
  /** Prints the availability lines still owed, erases the block, and unsubscribes. Idempotent. */
  stop(): void;
  /** A line of someone else's (a runner's log) printed above the block, so the block is not torn (default: to `stream`). */
  print(line: string, to?: ProgressStream): void;
  /**
   * Runs `write`, which prints elsewhere on the same terminal (console.log of a runner's log, mocha's reporter), with
   * the block erased first and drawn again after it. Without a terminal it just runs `write`.
   */
  interject(write: () => void): void;
}

interface Counts {
  attempts: number;
  successes: number;
}

interface PhaseSpan {
  name: string;
  t: number;
  /** the next phase's start, once known */
  end?: number;
  counts: Map<ClinicalFunction, Counts>;
  summarised: boolean;
}

interface ActiveFault {
  name: string;
  fault: string;
  target: string;
  /** applied at (wall ms); undefined while it is being injected */
  since?: number;
}

const BLOCK_LINES_MAX = 12;

export function startLiveProgress(history: History, opts: LiveProgressOptions = {}): LiveProgress {
  const stream = opts.stream ?? process.stderr;
  const tty = opts.tty ?? stream.isTTY === true;
  const now = opts.now ?? Date.now;
  const windowMs = opts.windowMs ?? 5000;
  const startedAt = now();

  const phases: PhaseSpan[] = [];
  const faults = new Map<string, ActiveFault>();
  const stepNames = new Map<string, string>();
  let recent: RequestBucketEvent[] = [];
  const seen = new Set<ClinicalFunction>();
  let widest = 0;
  let lastWord: string | undefined;
  let lastMark: string | undefined;
  let summaryDue = false;
  let stopped = false;
  let scenarioStarted = opts.scenarioStartsLater !== true;

  const draw = tty ? createLogUpdate(stream as NodeJS.WriteStream, { showCursor: true }) : undefined;
  let frame = '';

  const line = (text: string) => {
    if (draw && !stopped) {
      // the block is erased, the line printed where it was, and the block drawn again below it
      draw.clear();
      stream.write(`${text}\n`);
      if (frame) draw(frame);
    } else {
      stream.write(`${text}\n`);
    }
  };

  const clocks = (t: number, scenarioMs: number, mark?: string) =>
    `[${new Date(t).toISOString().slice(11, 23)} | ${scenarioStarted ? `scenario ${scenarioText(scenarioMs)}${mark ? `, ${mark}` : ''}` : 'before scenario 0'}]`;
  const clocksOf = (e: HistoryEvent) => clocks(e.t, e.scenarioMs, markOf(e));

  const functions = (): ClinicalFunction[] => (opts.functions ? [...opts.functions] : CLINICAL_FUNCTIONS.filter((fn) => seen.has(fn)));

  const phaseAt = (t: number): PhaseSpan | undefined => {
    let found: PhaseSpan | undefined;
    for (const p of phases) if (p.t <= t) found = p;
    return found;
  };

  const summarise = (p: PhaseSpan, end: number) => {
    p.summarised = true;
    const parts = functions().map((fn) => `${fn} ${availabilityText(p.counts.get(fn))}`);
    const body = parts.length > 0 ? parts.join(', ') : 'no attempts recorded';
    line(`${clocks(end, scenarioAt(history, end))} availability in '${p.name}' (${secondsText(end - p.t)} wall): ${body}`);
  };

  /** Each phase that has ended and whose buckets are all in: once a bucket a full width past its end has landed. */
  const summariseComplete = () => {
    summaryDue = false;
    if (stopped) return;
    const newest = Math.max(...recent.map((b) => b.bucket), -Infinity);
    for (const p of phases) if (!p.summarised && p.end !== undefined && newest >= p.end + widest) summarise(p, p.end);
  };

  const onBucket = (b: RequestBucketEvent) => {
    seen.add(b.fn);
    widest = Math.max(widest, b.widthMs);
    const p = phaseAt(b.bucket);
    if (p) {
      const c = p.counts.get(b.fn) ?? { attempts: 0, successes: 0 };
      c.attempts += b.attempts;
      c.successes += b.successes;
      p.counts.set(b.fn, c);
    }
    recent.push(b);
    // only the buckets the block can still show, and what completeness needs (the newest start)
    const newest = Math.max(...recent.map((x) => x.bucket + x.widthMs));
    recent = recent.filter((x) => x.bucket + x.widthMs > newest - windowMs - widest);
    // buckets of one flush land together and not in order: judge completeness after the whole flush
    if (!summaryDue && phases.some((x) => !x.summarised && x.end !== undefined && b.bucket >= x.end + widest)) {
      summaryDue = true;
      setImmediate(summariseComplete);
    }
  };

  const onEvent = (e: HistoryEvent) => {
    if (stopped) return;
    const mark = markOf(e);
    if (mark) lastMark = mark;
    // the scenario clock's restart at the timeline's start (kind 'clock', harness/history/events.ts)
    if ((e.kind as string) === 'clock' && e.scenarioMs === 0) scenarioStarted = true;
    switch (e.kind) {
      case 'requests':
        onBucket(e);
        return;
      case 'phase': {
        const span: PhaseSpan = { name: e.name, t: e.t, counts: new Map(), summarised: false };
        phases.push(span);
        phases.sort((a, b) => a.t - b.t);
        phases.forEach((p, i) => (p.end = phases[i + 1]?.t));
        line(`${clocksOf(e)} phase ${e.name}`);
        return;
      }
      case 'fault': {
        if (e.step) stepNames.set(e.id, e.step);
        const name = stepNames.get(e.id) ?? e.id;
        if (e.stage === 'scheduled') faults.set(e.id, { name, fault: e.fault, target: e.target });
        else if (e.stage === 'applied' || e.stage === 'observed') {
          const f = faults.get(e.id);
          faults.set(e.id, { name, fault: e.fault, target: e.target, since: f?.since ?? e.t });
        } else faults.delete(e.id);
        line(`${clocksOf(e)} fault ${e.id} ${e.stage} ${e.target}${e.skewMs !== undefined ? ` (skew ${Math.round(e.skewMs)} ms)` : ''}${e.detail ? `: ${e.detail}` : ''}`);
        return;
      }
      case 'action': {
        const text = `action ${e.id} ${e.stage}${e.detail ? `: ${e.detail}` : ''}`;
        lastWord = text;
        line(`${clocksOf(e)} ${text}`);
        return;
      }
      case 'note':
        lastWord = e.message;
        line(`${clocksOf(e)} ${e.message}`);
        return;
      default:
        return;
    }
  };

  const render = () => {
    if (!draw || stopped) return;
    const t = now();
    const width = Math.max(20, (stream.columns ?? 80) - 1);
    const current = phaseAt(t) ?? phases.at(-1);
    const mark = currentMark(history, t) ?? lastMark;
    const scale = history.clock.scale;
    const lines = [
      `phase: ${current?.name ?? '(before the first phase)'}   wall ${clockText(t - startedAt)}   ${
        scenarioStarted ? `scenario ${scenarioText(scenarioAt(history, t))} (${[mark, `×${scale}`].filter(Boolean).join(', ')})` : `before scenario 0 (×${scale})`
      }`,
      `active faults: ${
        faults.size === 0
          ? 'none'
          : [...faults.values()].map((f) => `${f.name} (${f.fault} → ${f.target}${f.since === undefined ? ', injecting' : `, for ${secondsText(t - f.since)}`})`).join('; ')
      }`,
      ...(lastWord ? [`last: ${lastWord}`] : []),
    ];
    const fns = functions();
    if (fns.length > 0) {
      const newest = Math.max(...recent.map((b) => b.bucket + b.widthMs), -Infinity);
      const from = newest - windowMs;
      const window = recent.filter((b) => b.bucket >= from);
      const age = Number.isFinite(newest) ? `, up to ${secondsText(Math.max(0, t - newest))} ago` : '';
      lines.push(`availability, last ${secondsText(windowMs)} of requests${age}:`);
      const pad = Math.max(...fns.map((fn) => fn.length));
      for (const fn of fns) {
        const c = window.filter((b) => b.fn === fn).reduce((acc, b) => ({ attempts: acc.attempts + b.attempts, successes: acc.successes + b.successes }), { attempts: 0, successes: 0 });
        lines.push(`  ${fn.padEnd(pad)}  ${availabilityText(c)}`);
      }
    }
    frame = lines
      .slice(0, BLOCK_LINES_MAX)
      .map((l) => (l.length > width ? `${l.slice(0, width - 1)}…` : l))
      .join('\n');
    draw(frame);
  };

  const unsubscribe = history.subscribe(onEvent);
  const timer = draw ? setInterval(render, opts.redrawMs ?? 250) : undefined;
  timer?.unref();
  if (draw) render();

  const interject = (write: () => void) => {
    if (!draw || stopped) return write();
    draw.clear();
    try {
      write();
    } finally {
      if (frame) draw(frame);
    }
  };

  return {
    interject,
    print: (text, to) => {
      if (!to || to === stream) line(text);
      else interject(() => to.write(`${text}\n`));
    },
    stop: () => {
      if (stopped) return;
      unsubscribe();
      if (timer) clearInterval(timer);
      const t = now();
      // what is still owed: every phase's availability, with what was recorded (the load has stopped by now)
      for (const p of phases) if (!p.summarised) summarise(p, p.end ?? t);
      stopped = true;
      if (draw) {
        draw.clear();
        draw.done();
      }
    },
  };
}

/** successes ÷ attempts, never rounded up to 100 % while anything failed. */
export function availabilityText(c: Counts | undefined): string {
  if (!c || c.attempts === 0) return 'no attempts';
  const pct = c.successes === c.attempts ? '100' : (Math.floor((c.successes / c.attempts) * 1000) / 10).toFixed(1);
  return `${pct} % (${c.successes}/${c.attempts})`;
}

/** Scenario time for a display: to the second from 10 s on (at 600× a wall millisecond is 0.6 s anyway). */
function scenarioText(ms: number): string {
  return formatScenarioDuration(Math.abs(ms) >= 10_000 ? Math.round(ms / 1000) * 1000 : Math.round(ms));
}

function scenarioAt(history: History, t: number): number {
  return history.clock.toScenario(t);
}

function secondsText(ms: number): string {
  return `${(Math.max(0, ms) / 1000).toFixed(1)} s`;
}

function clockText(ms: number): string {
  const s = Math.max(0, Math.floor(ms / 1000));
  const h = Math.floor(s / 3600);
  const mmss = `${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}:${String(s % 60).padStart(2, '0')}`;
  return h > 0 ? `${h}:${mmss}` : mmss;
}

/** Which clock an event fell in, where the history says (`clockMark`: scripted wait or measured work). */
function markOf(e: HistoryEvent): string | undefined {
  const mark = (e as { clockMark?: unknown }).clockMark;
  return typeof mark === 'string' ? mark : undefined;
}

/** Which clock runs now, where the clock can say. */
function currentMark(history: History, t: number): string | undefined {
  const clock = history.clock as { markAt?: (t: number) => unknown };
  const mark = typeof clock.markAt === 'function' ? clock.markAt(t) : undefined;
  return typeof mark === 'string' ? mark : undefined;
}
