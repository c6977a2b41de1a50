import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { hostname, tmpdir } from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import { Clock } from '../../../harness/history/clock.js';
import type { HistoryEvent } from '../../../harness/history/events.js';
import { History } from '../../../harness/history/history.js';
import { buildJournal, claimJournalId, maskSecretFields, perFunctionSeconds, stringifyJournal, writeJournal } from '../../../harness/reporters/journal.js';
import { JournalSpill } from '../../../harness/reporters/journal-spill.js';
import { JOURNAL_SCHEMA_VERSION, journalHistory, parseJournal, readJournal } from '../../../harness/reporters/journal-schema.js';
import { REDACTED, Scrubber } from '../../../harness/reporters/scrubber.js';
import { referenceStack } from '../../../harness/stack/reference-stack.js';
import type { ClinicalFunction } from '../../../harness/stack/definition.js';
import { mulberry32 } from '../../../harness/util/prng.js';
import { BucketAggregator } from '../../../harness/workload/buckets.js';
import { MergeableHistogram } from '../../../harness/workload/histogram.js';
import { fakeProvenance } from '../../support/provenance.js';

const T0 = 1_800_000_000_300; // not on a whole second: second 0 starts at …000
const PROVENANCE = fakeProvenance(T0);

interface Attempt {
  fn: ClinicalFunction;
  start: number;
  ok: boolean;
  latencyMs: number;
  cause: 'timeout' | 'refused' | null;
}

/**
 * A constructed run: phases baseline (T0), fault (T0 + 2.5 s), recovery (T0 + 5 s); two functions at 20 attempts/s
 * for 8 s; the lookup fails by timeout during the fault, the note is refused. Buckets through the real aggregator
 * (cut at the phase edges), events stamped with both clocks and a clock mark.
 */
function constructedRun(): { history: History; attempts: Attempt[] } {
  const rand = mulberry32(5);
  const phases = [
    { name: 'baseline', t: T0 },
    { name: 'fault', t: T0 + 2500 },
    { name: 'recovery', t: T0 + 5000 },
  ];
  const events: HistoryEvent[] = [];
  const stamp = (t: number) => ({ t, scenarioMs: (t - T0) * 60, clockMark: (t >= T0 + 2500 && t < T0 + 3000 ? 'measured' : 'scripted') as 'scripted' | 'measured' });
  for (const p of phases) events.push({ kind: 'phase', name: p.name, ...stamp(p.t) } as HistoryEvent);
  const agg = new BucketAggregator({ emit: (b) => events.push({ kind: 'requests', ...b, ...stamp(b.bucket) } as HistoryEvent) });
  for (const p of phases) agg.addEdge(p.t);
  const attempts: Attempt[] = [];
  for (let i = 0; i < 160; i++) {
    for (const fn of ['journal-lookup', 'clinical-note'] as const) {
      const start = T0 + i * 50 + (fn === 'clinical-note' ? 7 : 0);
      const inFault = start >= T0 + 2500 && start < T0 + 5000;
      const ok = !inFault;
      const a: Attempt = { fn, start, ok, latencyMs: ok ? 2 + rand() * 30 : fn === 'journal-lookup' ? 2000 : 0.5 + rand(), cause: ok ? null : fn === 'journal-lookup' ? 'timeout' : 'refused' };
      attempts.push(a);
      agg.add(a);
    }
  }
  agg.skip('clinical-note', T0 + 1234);
  agg.flushAll();
  events.push({ kind: 'note', message: 'done', ...stamp(T0 + 8000) } as HistoryEvent);
  return { history: History.from(events, new Clock(60, T0)), attempts };
}

describe('journal: a versioned artefact', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'epj-chaos-journal-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('round trip: written to <run-id>/journal.json, read back and validated, with everything a comparison needs', async () => {
    const { history, attempts } = constructedRun();
    const definition = referenceStack();
    const file = await writeJournal(
      { experiment: 'unit round trip', status: 'failed', reason: 'a check failed', runId: 'unit42', verdicts: [{ checker: 'c', status: 'fail', summary: 'no', children: [{ checker: 'd', status: 'pass', summary: 'yes' }] }], history, seed: 1234, definition, provenance: PROVENANCE },
      dir,
    );
    expect(file).to.equal(path.join(dir, 'unit42', 'journal.json'));
    const j = await readJournal(file);
    expect(j.schemaVersion).to.equal(JOURNAL_SCHEMA_VERSION);
    expect([j.id, j.runId, j.experiment, j.status, j.reason, j.seed, j.timeScale]).to.deep.equal(['unit42', 'unit42', 'unit round trip', 'failed', 'a check failed', 1234, 60]);
    expect(j.startedAt).to.equal(new Date(T0).toISOString());
    expect(j.verdicts[0]!.children![0]!.status).to.equal('pass');
    expect(j.provenance).to.deep.equal(PROVENANCE);
    // as given, except URL userinfo, which the scrubber masks whole (user names too)
    expect(j.definition).to.deep.equal(JSON.parse(JSON.stringify(definition).replace(/postgres:\/\/epj@/g, `postgres://${REDACTED}@`)));

    // every event, with both clocks and its mark, exactly as recorded
    expect(j.events).to.deep.equal(JSON.parse(JSON.stringify(history.all())));
    expect(j.events.filter((e) => e.clockMark === 'measured').length).to.be.greaterThan(0);
    expect(j.clocks).to.include({ timeScale: 60, scenarioZeroAt: T0 });
    const again = journalHistory(j);
    expect(again.ofKind('requests').length).to.equal(history.ofKind('requests').length);

    // per function per second: exact counts against the attempts themselves
    const origin = Math.floor(T0 / 1000) * 1000;
    expect(j.perFunctionSeconds.originMs).to.equal(origin);
    expect(Object.keys(j.perFunctionSeconds.functions)).to.deep.equal(['journal-lookup', 'clinical-note']);
    for (const fn of ['journal-lookup', 'clinical-note'] as const) {
      const expected = new Map<number, { attempts: number; successes: number; failed: number }>();
      for (const a of attempts.filter((x) => x.fn === fn)) {
        const s = Math.floor((a.start - origin) / 1000);
        const e = expected.get(s) ?? { attempts: 0, successes: 0, failed: 0 };
        e.attempts += 1;
        if (a.ok) e.successes += 1;
        else e.failed += 1;
        expected.set(s, e);
      }
      const got = j.perFunctionSeconds.functions[fn]!;
      expect(got.map((x) => x.s)).to.deep.equal([...expected.keys()].sort((x, y) => x - y));
      for (const sec of got) {
        const e = expected.get(sec.s)!;
        const cause = fn === 'journal-lookup' ? 'timeout' : 'refused';
        expect([sec.attempts, sec.successes, sec.failures[cause] ?? 0], `${fn} second ${sec.s}`).to.deep.equal([e.attempts, e.successes, e.failed]);
      }
    }
    expect(j.perFunctionSeconds.functions['clinical-note']!.find((x) => x.s === 1)!.skipped).to.equal(1);

    // histograms per function per phase = histograms of exactly that phase's attempts
    expect(j.latency.bucketsWithoutHistogram).to.equal(0);
    expect(j.latency.byPhase.map((p) => p.phase)).to.deep.equal(['baseline', 'fault', 'recovery']);
    for (const p of j.latency.byPhase) {
      const to = j.latency.byPhase[j.latency.byPhase.indexOf(p) + 1]?.from ?? Infinity;
      for (const fn of ['journal-lookup', 'clinical-note'] as const) {
        const direct = new MergeableHistogram();
        for (const a of attempts) if (a.fn === fn && a.start >= p.from! && a.start < to) direct.record(a.latencyMs);
        const stored = p.functions[fn]!;
        expect(stored.bins, `${fn} in ${p.phase}`).to.deep.equal(direct.toSparse().bins);
        expect(stored.count).to.equal(direct.count);
      }
    }
    expect(j.latency.byPhase[1]!.functions['journal-lookup']!.min).to.equal(2000);
    expect(j.latency.byFunction['journal-lookup']!.count).to.equal(160);
  });

  it('written in pieces: the same bytes as the whole document laid out at once', async () => {
    const { history } = constructedRun();
    const j = { experiment: 'pieces', status: 'completed' as const, runId: 'unit44', verdicts: [], history, definition: referenceStack(), provenance: PROVENANCE };
    const file = await writeJournal(j, dir);
    const scrubber = Scrubber.forRun(j.definition);
    const whole = scrubber.scrub(stringifyJournal(JSON.parse(scrubber.stringify(buildJournal(j, { id: 'unit44', provenance: PROVENANCE }))) as unknown));
    expect(await readFile(file, 'utf8')).to.equal(whole);
  });

  it('a long run spills the events it has judged to disk: the same journal, with those events first and none kept in memory', async () => {
    const j = (history: History) => ({ experiment: 'spilled', status: 'completed' as const, runId: 'unit45', verdicts: [], history, definition: referenceStack(), provenance: PROVENANCE });
    const whole = await readJournal(await writeJournal(j(constructedRun().history), path.join(dir, 'whole')));

    const { history } = constructedRun();
    const spill = await JournalSpill.open(referenceStack());
    try {
      // two chunks, as a matrix spills cell after cell
      await spill.add(history.spill(T0 + 2000));
      await spill.add(history.spill(T0 + 4000));
      expect(spill.size).to.be.greaterThan(0);
      // what stays in memory: the stretch not yet judged, and what describes the whole run
      for (const e of history.all()) expect(e.kind === 'clock' || e.kind === 'load' || (e.kind === 'requests' ? e.bucket : e.t) >= T0 + 4000, JSON.stringify(e)).to.equal(true);
      const spilled = await readJournal(await writeJournal(j(history), path.join(dir, 'spilled'), undefined, spill));
      const { events: a, ...headA } = whole;
      const { events: b, ...headB } = spilled;
      expect(headB).to.deep.equal(headA);
      expect(b).to.have.length(a.length);
      const key = (e: unknown) => JSON.stringify(e);
      expect(b.map(key).sort()).to.deep.equal(a.map(key).sort());
      expect(key(b[0])).to.equal(key(a.find((e) => e.kind !== 'clock' && e.kind !== 'load')));
    } finally {
      await spill.dispose();
    }
  });

  it('one line per event: the file is readable with line tools', async () => {
    const { history } = constructedRun();
    const file = await writeJournal({ experiment: 'lines', status: 'completed', runId: 'unit43', verdicts: [], history, provenance: PROVENANCE }, dir);
    const lines = (await readFile(file, 'utf8')).split('\n');
    const eventLines = lines.filter((l) => l.startsWith('  {"kind":'));
    expect(eventLines).to.have.length(history.all().length);
    expect(lines.length).to.be.below(history.all().length + 200);
  });

  it('a run without a stack gets norun-<stamp>, never overwriting another', async () => {
    const history = History.from([{ kind: 'note', message: 'could not start', t: T0, scenarioMs: 0 }]);
    const a = await writeJournal({ experiment: 'no stack', status: 'failed', verdicts: [], history, provenance: PROVENANCE }, dir);
    const b = await writeJournal({ experiment: 'no stack', status: 'failed', verdicts: [], history, provenance: PROVENANCE }, dir);
    expect(path.relative(dir, a)).to.equal(path.join('norun-2027-01-15T08-00-00-300Z', 'journal.json'));
    expect(path.relative(dir, b)).to.equal(path.join('norun-2027-01-15T08-00-00-300Z-1', 'journal.json'));
    const j = await readJournal(a);
    expect(j.runId).to.equal(null);
    expect(j.seed).to.equal(null);
    expect(j.definition).to.equal(null);
  });

  it('runs on one stack (handed on, or attached) each claim a directory of their own: <run-id>, <run-id>-2, …', async () => {
    const history = History.from([{ kind: 'note', message: 'x', t: T0, scenarioMs: 0 }]);
    const ids = [await claimJournalId('shared7', dir), await claimJournalId('shared7', dir), await claimJournalId('shared7', dir)];
    expect(ids).to.deep.equal(['shared7', 'shared7-2', 'shared7-3']);
    const second = await writeJournal({ experiment: 'second', status: 'completed', runId: 'shared7', verdicts: [], history, provenance: PROVENANCE }, dir, ids[1]);
    expect(path.relative(dir, second)).to.equal(path.join('shared7-2', 'journal.json'));
    expect((await readJournal(second)).runId, 'the journal still names the stack it ran on').to.equal('shared7');
  });

  it('without a provenance given, still records the harness, tools and host — and nothing that identifies the host', async () => {
    const history = History.from([{ kind: 'note', message: 'x', t: T0, scenarioMs: 0 }]);
    const file = await writeJournal({ experiment: 'local facts', status: 'completed', runId: 'unit44', verdicts: [], history }, dir);
    const j = await readJournal(file);
    expect(j.provenance.host.cpus).to.be.greaterThan(0);
    expect(j.provenance.tools.node).to.equal(process.version);
    expect(j.provenance.images).to.equal(null);
    expect(j.provenance.problems.join()).to.match(/docker: not asked/);
    const text = await readFile(file, 'utf8');
    if (hostname().length >= 4) expect(text).to.not.contain(hostname());
  });

  it('refuses a future schemaVersion by name, and one without any', async () => {
    const { history } = constructedRun();
    const file = await writeJournal({ experiment: 'v', status: 'completed', runId: 'unit45', verdicts: [], history, provenance: PROVENANCE }, dir);
    const data = JSON.parse(await readFile(file, 'utf8')) as Record<string, unknown>;
    await writeFile(file, JSON.stringify({ ...data, schemaVersion: 2 }));
    let message = '';
    await readJournal(file).catch((err: Error) => (message = err.message));
    expect(message).to.contain('schemaVersion 2').and.to.contain(`schemaVersion ${JOURNAL_SCHEMA_VERSION} only`);
    const { schemaVersion: _, ...unversioned } = data;
    expect(() => parseJournal(unversioned, 'old.json')).to.throw(/old\.json has no schemaVersion/);
  });

  it('names the field when a journal is invalid, and accepts fields it does not know (additive changes)', () => {
    const { history } = constructedRun();
    const good = JSON.parse(JSON.stringify(buildJournal({ experiment: 'x', status: 'completed', runId: 'unit46', verdicts: [], history }, { id: 'unit46', provenance: PROVENANCE }))) as Record<string, unknown>;
    expect(parseJournal({ ...good, somethingNew: { a: 1 } }).experiment).to.equal('x');
    expect(() => parseJournal({ ...good, status: 'exploded' })).to.throw(/status/);
    const events = good.events as Record<string, unknown>[];
    expect(() => parseJournal({ ...good, events: [...events, { kind: 'note', t: 'soon', scenarioMs: 0 }] })).to.throw(new RegExp(`events\\.${events.length}\\.t`));
    const latency = good.latency as { byFunction: Record<string, { bins: number[][] }> };
    latency.byFunction['journal-lookup']!.bins.push([5000, 1]);
    expect(() => parseJournal(good)).to.throw(/latency\.byFunction\.journal-lookup\.bins\.\d+\.0/);
  });

  it('masks fields of the stack definition whose names look secret, and secret assignments in commands', () => {
    const masked = maskSecretFields({
      name: 'vendor',
      containers: [
        {
          name: 'db',
          image: 'postgres:15',
          env: { POSTGRES_PASSWORD: 'pw-123456', POSTGRES_USER: 'epj', API_TOKEN: 'tok', dbPassword: 'x', HOST_AUTH_METHOD: 'trust', 'vault.secret': { nested: true } },
          command: ['postgres', '-c', 'password=hunter22', '--api-token', 'tok-999', '--port', '5432', 'PGPASSWORD=abc', 'listen=*'],
        },
      ],
      credentials: ['a', 'b'],
    });
    expect(masked).to.deep.equal({
      name: 'vendor',
      containers: [
        {
          name: 'db',
          image: 'postgres:15',
          env: { POSTGRES_PASSWORD: REDACTED, POSTGRES_USER: 'epj', API_TOKEN: REDACTED, dbPassword: REDACTED, HOST_AUTH_METHOD: 'trust', 'vault.secret': REDACTED },
          command: ['postgres', '-c', `password=${REDACTED}`, '--api-token', REDACTED, '--port', '5432', `PGPASSWORD=${REDACTED}`, 'listen=*'],
        },
      ],
      credentials: REDACTED,
    });
  });

  it('the written journal carries the definition masked', async () => {
    const history = History.from([{ kind: 'note', message: 'x', t: T0, scenarioMs: 0 }]);
    const definition = { name: 'vendor', containers: [{ name: 'db', image: 'pg', env: { DB_PASSWORD: 'sup3r-s3cret-pw' } }] };
    const file = await writeJournal({ experiment: 'masked', status: 'completed', runId: 'unit47', verdicts: [], history, definition, provenance: PROVENANCE }, dir);
    const text = await readFile(file, 'utf8');
    expect(text).to.not.contain('sup3r-s3cret-pw');
    expect((await readJournal(file)).definition).to.deep.equal({ name: 'vendor', containers: [{ name: 'db', image: 'pg', env: { DB_PASSWORD: REDACTED } }] });
  });

  it('per-function seconds add up pieces cut at a phase edge and a bucket recorded again for late attempts', () => {
    const base = { kind: 'requests', widthMs: 1000, latencyMs: { p50: 1, p95: 1, p99: 1, max: 1 }, scenarioMs: 0 } as const;
    const events = [
      { ...base, fn: 'admission', t: 5000, bucket: 5000, attempts: 3, successes: 3, failures: {} },
      { ...base, fn: 'admission', t: 5400, bucket: 5400, widthMs: 600, attempts: 2, successes: 0, failures: { 'http-5xx': 2 } },
      { ...base, fn: 'admission', t: 5000, bucket: 5000, attempts: 1, successes: 0, failures: { timeout: 1 } },
      { ...base, fn: 'admission', t: 7000, bucket: 7000, attempts: 4, successes: 4, failures: {} },
    ] as HistoryEvent[];
    expect(perFunctionSeconds(events)).to.deep.equal({
      originMs: 5000,
      functions: {
        admission: [
          { s: 0, attempts: 6, successes: 3, failures: { 'http-5xx': 2, timeout: 1 } },
          { s: 2, attempts: 4, successes: 4, failures: {} },
        ],
      },
    });
  });
});
