import { mkdir, open, rename, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import type { Verdict } from '../checkers/verdict.js';
import type { HistoryEvent } from '../history/events.js';
import type { History } from '../history/history.js';
import { PROJECT_ROOT } from '../images/catalog.js';
import { JournalAggregates } from './journal-aggregates.js';
import { JOURNAL_SCHEMA_VERSION, type JournalFile, type Provenance } from './journal-schema.js';
import type { JournalSpill } from './journal-spill.js';
import { collectProvenance } from './provenance.js';
import { looksSecret, REDACTED, Scrubber } from './scrubber.js';

/**
 * The artefact of a run (chaostoolkit's journal): `reports/<run-id>/journal.json`, a versioned format
 * (harness/reporters/journal-schema.ts, docs/journal.md) — what was run, with which seed, stack, images, tools and
 * harness commit on which host; its verdicts; per function and wall second the attempts and their outcomes;
 * mergeable latency histograms per function and phase; and every event of its history, so every verdict can be
 * recomputed. Only what the run recorded goes in — synthetic patients, no environment — and all of it passes the
 * scrubber (harness/reporters/scrubber.ts): an error message that quoted a password does not keep it, and a field
 * of the stack definition named like a secret is masked.
 */
export interface Journal {
  experiment: string;
  status: 'completed' | 'failed' | 'aborted' | 'interrupted';
  runId?: string;
  verdicts: Verdict[];
  history: History;
  /** why the run was aborted, interrupted, or could not finish */
  reason?: string;
  /** the seed of the synthetic patients and the load (seedPatients, runLoad), so the run can be replayed */
  seed?: number;
  /** the stack definition the run used; fields named like secrets are masked, environment secrets scrubbed */
  definition?: object;
  /**
   * collectProvenance()'s answer (harness/reporters/provenance.ts), gathered while Docker and the stack's images are
   * at hand. Without it the journal still gets the harness's commit, tool versions and host, but no image ids and
   * no Docker version.
   */
  provenance?: Provenance;
  /** the experiment's own text and file (harness/experiment/source.ts) */
  source?: { file: string; text: string };
}

/** the journal is written in pieces of about this many characters */
const WRITE_CHUNK = 1 << 18;

/**
 * Writes the journal under `dir` (the reports root) as `<id>/journal.json` and returns that file's path. `id`
 * defaults to the run id (`norun-<stamp>` without a stack); a run that may share its stack with another claims its
 * own first (claimJournalId).
 */
export async function writeJournal(j: Journal, dir = path.join(PROJECT_ROOT, 'reports'), claimedId?: string, spill?: JournalSpill): Promise<string> {
  // a spill's events came first: its aggregates take the rest, and its lines are written ahead of the rest
  const sums = spill ? spill.aggregates.addAll(j.history.all()) : JournalAggregates.of(j.history.all());
  const startedMs = sums.extent?.min ?? Date.now();
  // the variables a definition names as bearer tokens are secret whatever they are called (harness/stack/link-auth.ts)
  const scrubber = Scrubber.forRun(j.definition);
  const id = claimedId ?? (await journalId(dir, j.runId, startedMs));
  const provenance = j.provenance ?? (await collectProvenance({ docker: null }));
  const { events, ...head } = buildJournal(j, { id, provenance }, sums);
  const folder = path.join(dir, id);
  const file = path.join(folder, 'journal.json');
  await mkdir(folder, { recursive: true });
  // Scrub every string value, then the text itself (keys, escaped forms); written whole or not at all. The events,
  // most of a long run's journal, go one line each, never all of them in one string (docs/matrix.md: memory).
  const tmp = `${file}.${process.pid}.tmp`;
  const out = await open(tmp, 'w');
  try {
    const headText = scrubber.scrub(stringifyJournal(JSON.parse(scrubber.stringify({ ...head, events: [] })) as unknown));
    const tail = '"events": []\n}\n';
    if (!headText.endsWith(tail)) throw new Error('journal: the events are not the last field');
    let chunk = headText.slice(0, -tail.length);
    let n = 0;
    const line = async (text: string) => {
      chunk += `${n++ === 0 ? '"events": [\n' : ',\n'}  ${text}`;
      if (chunk.length >= WRITE_CHUNK) {
        await out.write(chunk);
        chunk = '';
      }
    };
    if (spill) for await (const text of spill.lines()) await line(text);
    for (const e of events) await line(scrubber.stringify(e));
    await out.write(`${chunk}${n === 0 ? '"events": []\n}\n' : '\n ]\n}\n'}`);
    await out.close();
  } catch (err) {
    await out.close().catch(() => {});
    await rm(tmp, { force: true });
    throw err;
  }
  await rename(tmp, file);
  return file;
}

/** The journal document for `j` (not yet scrubbed of environment secrets; writeJournal does that). */
export function buildJournal(j: Journal, at: { id: string; provenance: Provenance }, sums = JournalAggregates.of(j.history.all())): JournalFile {
  const events = j.history.all();
  const span = sums.extent;
  const startedMs = span ? span.min : Date.now();
  const endedMs = span ? span.max : startedMs;
  return {
    schemaVersion: JOURNAL_SCHEMA_VERSION,
    id: at.id,
    experiment: j.experiment,
    status: j.status,
    reason: j.reason ?? null,
    runId: j.runId ?? null,
    startedAt: new Date(startedMs).toISOString(),
    endedAt: new Date(endedMs).toISOString(),
    timeScale: j.history.clock.scale,
    seed: j.seed ?? null,
    clocks: clocksOf(j.history),
    definition: j.definition ? (maskSecretFields(j.definition) as Record<string, unknown>) : null,
    provenance: at.provenance,
    ...(j.source ? { source: j.source } : {}),
    verdicts: j.verdicts,
    perFunctionSeconds: sums.perFunctionSeconds(),
    latency: sums.latency(),
    events: [...events],
  };
}

/**
 * A directory of its own under `dir` for one experiment's journal, claimed at once (mkdir): the stack's run id, or
 * `<run-id>-2`, `-3`, … when an earlier experiment on the same stack (one handed on, or attached) has that one.
 */
export async function claimJournalId(runId: string | undefined, dir = path.join(PROJECT_ROOT, 'reports')): Promise<string> {
  await mkdir(dir, { recursive: true });
  const base = runId ? await journalId(dir, runId, Date.now()) : undefined;
  for (let n = 1; ; n++) {
    const id = base === undefined ? await journalId(dir, undefined, Date.now()) : n === 1 ? base : `${base}-${n}`;
    const claimed = await mkdir(path.join(dir, id)).then(
      () => true,
      (err: NodeJS.ErrnoException) => {
        if (err.code === 'EEXIST') return false;
        throw err;
      },
    );
    if (claimed) return id;
  }
}

/** The run's directory name: its run id, or `norun-<stamp>` (made unique under `dir`) for a run without a stack. */
async function journalId(dir: string, runId: string | undefined, startedMs: number): Promise<string> {
  if (runId) return runId.replace(/[^A-Za-z0-9_.-]/g, '-').replace(/^\.+/, '_');
  const base = `norun-${new Date(startedMs).toISOString().replace(/[:.]/g, '-')}`;
  for (let n = 0; ; n++) {
    const id = n === 0 ? base : `${base}-${n}`;
    const taken = await stat(path.join(dir, id)).then(
      () => true,
      () => false,
    );
    if (!taken) return id;
  }
}

interface ClockSegmentLike {
  wall: number;
  scenario: number;
  mark: 'scripted' | 'measured';
}

/** Scale, scenario 0 and the clock's changes of pace (a clock without segments ran at one pace from scenario 0). */
function clocksOf(history: History): JournalFile['clocks'] {
  const clock = history.clock;
  const segments = (clock as unknown as { segments?: readonly ClockSegmentLike[] }).segments;
  return {
    timeScale: clock.scale,
    scenarioZeroAt: clock.startWall,
    segments: segments?.map((s) => ({ wall: s.wall, scenario: s.scenario, mark: s.mark })) ?? [{ wall: clock.startWall, scenario: 0, mark: 'scripted' }],
  };
}

/** Per function and wall second, from the `requests` buckets (harness/reporters/journal-aggregates.ts). */
export function perFunctionSeconds(events: readonly HistoryEvent[]): JournalFile['perFunctionSeconds'] {
  return JournalAggregates.of(events).perFunctionSeconds();
}

/** A field name that looks like it holds a secret: the scrubber's rule, camelCase too (`dbPassword`, `apiToken`). */
export function looksSecretField(name: string): boolean {
  if (looksSecret(name)) return true;
  const words = name.replace(/([a-z0-9])([A-Z])/g, '$1_$2').split(/[_.\s-]+/);
  return words.some((w) => /^(password|passwd|pwd|pass|passphrase|secret|token|credentials?|apikey)s?$/i.test(w));
}

/** `NAME=value` / `--name=value` where NAME looks secret (in a command line or a list of settings). */
const SECRET_ASSIGNMENT = /^(-{0,2})([A-Za-z_][A-Za-z0-9_.-]*)([=:])(.+)$/s;

/**
 * A copy of `value` with every field whose name looks secret masked (its value, whatever it is, becomes `***`),
 * and in lists of strings (a command, arguments) `--password=x`, `PGPASSWORD=x` and `--password x` masked too.
 * URL userinfo and environment secrets are the scrubber's (writeJournal runs both).
 */
export function maskSecretFields(value: unknown): unknown {
  if (Array.isArray(value)) {
    const out: unknown[] = [];
    for (let i = 0; i < value.length; i++) {
      const v = value[i];
      if (typeof v === 'string') {
        const m = SECRET_ASSIGNMENT.exec(v);
        if (m && looksSecretField(m[2]!)) {
          out.push(`${m[1]}${m[2]}${m[3]}${REDACTED}`);
          continue;
        }
        out.push(v);
        // `--password x`: the flag's next argument is the secret
        const flag = /^-{1,2}([A-Za-z][A-Za-z0-9_.-]*)$/.exec(v);
        if (flag && looksSecretField(flag[1]!) && typeof value[i + 1] === 'string') {
          out.push(REDACTED);
          i += 1;
        }
        continue;
      }
      out.push(maskSecretFields(v));
    }
    return out;
  }
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, looksSecretField(k) ? REDACTED : maskSecretFields(v)]));
  }
  return value;
}

/**
 * JSON laid out for people and line tools: the top levels indented, and each element of a list of objects — an
 * event, a verdict, a second of a function, a container — compact on a line of its own.
 */
export function stringifyJournal(value: unknown): string {
  const write = (v: unknown, depth: number): string => {
    const pad = ' '.repeat(depth + 1);
    const end = ' '.repeat(depth);
    if (Array.isArray(v)) {
      if (v.length > 0 && v.every((x) => x !== null && typeof x === 'object' && !Array.isArray(x))) {
        return `[\n${v.map((x) => `${pad}${JSON.stringify(x)}`).join(',\n')}\n${end}]`;
      }
      return JSON.stringify(v);
    }
    if (v !== null && typeof v === 'object' && depth <= 2) {
      const entries = Object.entries(v).filter(([, x]) => x !== undefined);
      if (entries.length === 0) return '{}';
      return `{\n${entries.map(([k, x]) => `${pad}${JSON.stringify(k)}: ${write(x, depth + 1)}`).join(',\n')}\n${end}}`;
    }
    return JSON.stringify(v) ?? 'null';
  };
  return `${write(value, 0)}\n`;
}
