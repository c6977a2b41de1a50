import { expect } from 'chai';
import { Clock } from '../../harness/history/clock.js';
import type { HistoryEvent, NewEvent } from '../../harness/history/events.js';
import { History } from '../../harness/history/history.js';
import { availabilityText, startLiveProgress, type ProgressStream } from '../../harness/reporters/live-progress.js';
import type { ClinicalFunction } from '../../harness/stack/definition.js';

class FakeStream implements ProgressStream {
  chunks: string[] = [];
  constructor(
    readonly isTTY: boolean,
    readonly columns = 120,
    readonly rows = 40,
  ) {}
  write(chunk: string): boolean {
    this.chunks.push(chunk);
    return true;
  }
  get text(): string {
    return this.chunks.join('');
  }
}

const T0 = Date.UTC(2024, 0, 1, 12, 0, 0);
const FNS: ClinicalFunction[] = ['journal-lookup', 'read-only-lookup'];
const tick = () => new Promise<void>((resolve) => setImmediate(resolve));
const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

function bucket(fn: ClinicalFunction, at: number, attempts: number, successes: number): NewEvent {
  return { kind: 'requests', t: at, fn, bucket: at, widthMs: 1000, attempts, successes, failures: attempts > successes ? { 'http-5xx': attempts - successes } : {}, latencyMs: { p50: 5, p95: 9, p99: 12, max: 20 } };
}

/** The clock part of a line, with the mark the history stamped on the event, if it stamps one. */
function stamp(e: HistoryEvent, scenario: string): string {
  const mark = (e as { clockMark?: string }).clockMark;
  return `[${new Date(e.t).toISOString().slice(11, 23)} | scenario ${scenario}${mark ? `, ${mark}` : ''}]`;
}

describe('live progress', () => {
  it('without a terminal: one plain line per phase, fault stage, action and note, and one availability line per phase', async () => {
    const stream = new FakeStream(false);
    const history = new History(new Clock(60, T0));
    let now = T0;
    const progress = startLiveProgress(history, { stream, functions: FNS, now: () => now });
    const expected: string[] = [];

    const baseline = history.record({ kind: 'phase', name: 'baseline', t: T0 });
    expected.push(`${stamp(baseline, '0')} phase baseline`);
    history.record(bucket('journal-lookup', T0, 5, 5));
    history.record(bucket('read-only-lookup', T0, 5, 4));
    history.record(bucket('journal-lookup', T0 + 1000, 5, 5));
    const cut = history.record({ kind: 'phase', name: 'wan cut', t: T0 + 2000 });
    expected.push(`${stamp(cut, '2 min')} phase wan cut`);
    const scheduled = history.record({ kind: 'fault', id: 'wan-cut#1', fault: 'wan-cut', stage: 'scheduled', target: 'wan', step: 'wan', t: T0 + 2000 });
    expected.push(`${stamp(scheduled, '2 min')} fault wan-cut#1 scheduled wan`);
    const applied = history.record({ kind: 'fault', id: 'wan-cut#1', fault: 'wan-cut', stage: 'applied', target: 'wan', skewMs: 12, detail: '2 links down', t: T0 + 2012 });
    expected.push(`${stamp(applied, '2 min 1 s')} fault wan-cut#1 applied wan (skew 12 ms): 2 links down`);
    // one flush lands out of order: the bucket a full second past the edge comes before the last one of 'baseline'
    history.record(bucket('journal-lookup', T0 + 3000, 4, 2));
    history.record(bucket('read-only-lookup', T0 + 1000, 5, 5));
    history.record(bucket('journal-lookup', T0 + 2000, 4, 4));
    await tick();
    expected.push(`[12:00:02.000 | scenario 2 min] availability in 'baseline' (2.0 s wall): journal-lookup 100 % (10/10), read-only-lookup 90.0 % (9/10)`);
    const started = history.record({ kind: 'action', id: 'failover#1', action: 'failover', stage: 'started', t: T0 + 4000 });
    expected.push(`${stamp(started, '4 min')} action failover#1 started`);
    const done = history.record({ kind: 'action', id: 'failover#1', action: 'failover', stage: 'completed', detail: 'b-db promoted', t: T0 + 4500 });
    expected.push(`${stamp(done, '4 min 30 s')} action failover#1 completed: b-db promoted`);
    const note = history.record({ kind: 'note', message: 'every component ready again 812 ms after healing', t: T0 + 5000 });
    expected.push(`${stamp(note, '5 min')} every component ready again 812 ms after healing`);
    const healed = history.record({ kind: 'fault', id: 'wan-cut#1', fault: 'wan-cut', stage: 'healed', target: 'wan', t: T0 + 5500 });
    expected.push(`${stamp(healed, '5 min 30 s')} fault wan-cut#1 healed wan`);
    // events the progress does not print
    history.record({ kind: 'lag', replica: 'b-db', state: 'streaming', bytes: 0, writeLagMs: 1, flushLagMs: 1, replayLagMs: 1, t: T0 + 5600 });

    now = T0 + 6000;
    progress.stop();
    expected.push(`[12:00:06.000 | scenario 6 min] availability in 'wan cut' (4.0 s wall): journal-lookup 75.0 % (6/8), read-only-lookup no attempts`);
    progress.stop(); // idempotent
    history.record({ kind: 'note', message: 'after stop', t: T0 + 7000 });

    expect(stream.text.split('\n')).to.deep.equal([...expected, '']);
    expect(stream.text, 'no cursor codes').to.not.contain('\u001b');
  });

  it('on a terminal: redraws a block with the phase, both clocks, active faults and each function\'s availability', async () => {
    const stream = new FakeStream(true);
    const history = new History(new Clock(60, T0));
    let now = T0;
    const progress = startLiveProgress(history, { stream, functions: FNS, now: () => now, redrawMs: 5 });
    history.record({ kind: 'phase', name: 'wan cut', t: T0 });
    history.record({ kind: 'fault', id: 'wan-cut#1', fault: 'wan-cut', stage: 'scheduled', target: 'wan', step: 'wan', t: T0 });
    history.record({ kind: 'fault', id: 'wan-cut#1', fault: 'wan-cut', stage: 'applied', target: 'wan', t: T0 + 10 });
    for (let s = 0; s < 8; s++) {
      history.record(bucket('journal-lookup', T0 + s * 1000, 10, 10));
      history.record(bucket('read-only-lookup', T0 + s * 1000, 10, s < 3 ? 0 : 9));
    }
    now = T0 + 10_000;
    await sleep(40);

    const frames = stream.text.split('\u001b[').join('\n'); // cursor codes apart from the text
    expect(stream.text, 'the block is redrawn in place').to.contain('\u001b[');
    const last = stream.chunks.filter((c) => c.includes('phase: ')).at(-1)!;
    expect(last).to.contain('phase: wan cut');
    expect(last).to.contain('wall 00:10').and.to.contain('scenario 10 min');
    expect(last).to.contain('active faults: wan (wan-cut → wan, for 10.0 s)');
    // the last 5 s of buckets (3..7 s): read-only-lookup 45 of 50
    expect(last).to.match(/journal-lookup\s+100 % \(50\/50\)/);
    expect(last).to.match(/read-only-lookup\s+90\.0 % \(45\/50\)/);
    const block = last.slice(last.indexOf('phase: ')).trimEnd().split('\n');
    expect(block.length, block.join('\n')).to.be.at.most(12);
    // the plain lines are printed above the block too
    expect(frames).to.contain('phase wan cut').and.to.contain('fault wan-cut#1 applied wan');

    history.record({ kind: 'fault', id: 'wan-cut#1', fault: 'wan-cut', stage: 'healed', target: 'wan', t: T0 + 10_500 });
    now = T0 + 11_000;
    await sleep(20);
    expect(stream.chunks.filter((c) => c.includes('phase: ')).at(-1)).to.contain('active faults: none');

    const before = stream.chunks.length;
    progress.stop();
    expect(stream.chunks.slice(before).join('')).to.contain("availability in 'wan cut' (11.0 s wall): journal-lookup 100 % (80/80), read-only-lookup 56.2 % (45/80)");
    const after = stream.chunks.length;
    await sleep(20);
    expect(stream.chunks.length, 'no redraw after stop').to.equal(after);
  });

  it('a line of someone else\'s goes above the block', async () => {
    const stream = new FakeStream(true);
    const history = new History(new Clock(1, T0));
    const progress = startLiveProgress(history, { stream, functions: FNS, now: () => T0 + 1000, redrawMs: 5 });
    history.record({ kind: 'phase', name: 'steady state', t: T0 });
    await sleep(20);
    progress.print('      stack reference up (run abcd1234)');
    const i = stream.chunks.indexOf('      stack reference up (run abcd1234)\n');
    expect(i, 'printed as a line').to.be.greaterThan(0);
    expect(stream.chunks.slice(i + 1).join(''), 'the block drawn again below it').to.contain('phase: steady state');
    // output of someone else's to another stream (console.log): the block is erased before it and drawn after it
    const other = new FakeStream(true);
    const mark = stream.chunks.length;
    progress.interject(() => other.write('mocha says\n'));
    expect(other.chunks).to.deep.equal(['mocha says\n']);
    expect(stream.chunks[mark], 'erased first').to.match(/^\u001b\[2K/);
    expect(stream.chunks.slice(mark + 1).join(''), 'drawn again').to.contain('phase: steady state');
    progress.stop();
    const stoppedAt = stream.chunks.length;
    progress.print('after stop');
    expect(stream.chunks.slice(stoppedAt), 'a plain line, no block after stop').to.deep.equal(['after stop\n']);
  });

  it('before the timeline restarts the scenario clock, scenario time reads "before scenario 0"', () => {
    const stream = new FakeStream(false);
    const history = new History(new Clock(60, T0));
    const progress = startLiveProgress(history, { stream, functions: FNS, now: () => T0 + 9000, scenarioStartsLater: true });
    history.record({ kind: 'phase', name: 'steady state', t: T0 + 1000 });
    history.startScenarioAt(T0 + 5000); // records the clock's restart at scenario 0
    const baseline = history.record({ kind: 'phase', name: 'baseline', t: T0 + 5000 });
    progress.stop();
    const lines = stream.text.trimEnd().split('\n');
    expect(lines[0]).to.equal('[12:00:01.000 | before scenario 0] phase steady state');
    expect(lines[1]).to.equal(`${stamp(baseline, '0')} phase baseline`);
    expect(lines[2]).to.equal("[12:00:05.000 | scenario 0] availability in 'steady state' (4.0 s wall): journal-lookup no attempts, read-only-lookup no attempts");
  });

  it('availability never reads 100 % while anything failed', () => {
    expect(availabilityText({ attempts: 1000, successes: 999 })).to.equal('99.9 % (999/1000)');
    expect(availabilityText({ attempts: 100_000, successes: 99_999 })).to.equal('99.9 % (99999/100000)');
    expect(availabilityText({ attempts: 3, successes: 3 })).to.equal('100 % (3/3)');
    expect(availabilityText({ attempts: 0, successes: 0 })).to.equal('no attempts');
  });
});
