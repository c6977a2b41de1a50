import { readFile } from 'node:fs/promises';
import { z } from 'zod';
import { describeIssues, InvalidInputError } from '../errors.js';
import type { HistoryEvent } from '../history/events.js';
import { Clock } from '../history/clock.js';
import { History } from '../history/history.js';
import { HISTOGRAM_BINS, HISTOGRAM_LAYOUT } from '../workload/histogram.js';

/**
 * The journal's format, version 1 (docs/journal.md): `reports/<run-id>/journal.json`. Additive changes (a new
 * field, a new event kind, a new failure cause) keep the version, so a reader lets fields it does not know pass
 * (readJournal accepts them, and keeps them only in events and verdicts); removing a field or changing what one
 * means bumps it, and a reader refuses a version it does not know by name rather than misread it.
 */
export const JOURNAL_SCHEMA_VERSION = 1;

const count = z.number().int().nonnegative();
const epochMs = z.number().finite();
const isoTime = z.iso.datetime();

export const sparseHistogramSchema = z.object({
  count,
  sum: z.number().nonnegative(),
  min: z.number().nonnegative(),
  max: z.number().nonnegative(),
  bins: z.array(z.tuple([z.number().int().min(0).max(HISTOGRAM_BINS - 1), count])),
});

/**
 * Every event is stamped with both clocks and which one it fell in; the rest is its kind's, as
 * harness/history/events.ts says (kept as written, not checked further: `journalHistory` gives them back typed).
 */
export interface JournalEvent {
  kind: string;
  t: number;
  scenarioMs: number;
  clockMark?: 'scripted' | 'measured';
}

export const journalEventSchema: z.ZodType<JournalEvent> = z.looseObject({
  kind: z.string().min(1),
  t: epochMs,
  scenarioMs: z.number().finite(),
  clockMark: z.enum(['scripted', 'measured']).optional(),
});

export interface JournalVerdict {
  checker: string;
  status: 'pass' | 'fail' | 'unknown';
  summary: string;
  details?: unknown;
  children?: JournalVerdict[];
}

export const verdictSchema: z.ZodType<JournalVerdict> = z.lazy(() =>
  z.looseObject({
    checker: z.string(),
    status: z.enum(['pass', 'fail', 'unknown']),
    summary: z.string(),
    details: z.unknown().optional(),
    children: z.array(verdictSchema).optional(),
  }),
);

/** Attempts of one function that started in one wall second (the `requests` buckets starting in it, added up). */
export const functionSecondSchema = z.object({
  /** seconds since `perFunctionSeconds.originMs` */
  s: z.number().int(),
  attempts: count,
  successes: count,
  /** failed attempts by cause (harness/history/events.ts FailureCause); absent causes are 0 */
  failures: z.record(z.string(), count),
  /** arrivals the load generator was too late to send (not attempts) */
  skipped: count.optional(),
});

export const provenanceSchema = z.object({
  collectedAt: isoTime,
  harness: z.object({
    name: z.string(),
    version: z.string().nullable(),
    /** the harness's git commit; null when it does not run from a git checkout */
    commit: z.object({ sha: z.string(), dirty: z.boolean() }).nullable(),
  }),
  tools: z.object({
    /** package.json → epjChaos.tools */
    pinned: z.record(z.string(), z.string()).nullable(),
    node: z.string(),
    docker: z.object({ version: z.string().nullable(), apiVersion: z.string().nullable() }).nullable(),
  }),
  /** the stack's images as the engine had them (id = the image's content digest); null when Docker was not asked */
  images: z
    .array(z.object({ name: z.string(), id: z.string().nullable(), repoDigests: z.array(z.string()), created: z.string().nullable() }))
    .nullable(),
  /** the machine, without anything that identifies it (no hostname, no addresses, no user) */
  host: z.object({
    os: z.string(),
    platform: z.string(),
    kernel: z.string(),
    arch: z.string(),
    distro: z.string().nullable(),
    cpus: count,
    cpuModel: z.string().nullable(),
    totalMemoryBytes: count,
  }),
  /** what could not be collected, and why (each missing piece above is null) */
  problems: z.array(z.string()),
});
export type Provenance = z.infer<typeof provenanceSchema>;

export const journalSchema = z.object({
  schemaVersion: z.literal(JOURNAL_SCHEMA_VERSION),
  /** the directory under reports/ (the run id, or `norun-<stamp>` for a run that failed before its stack existed) */
  id: z.string().min(1),
  experiment: z.string(),
  status: z.enum(['completed', 'failed', 'aborted', 'interrupted']),
  reason: z.string().nullable(),
  runId: z.string().nullable(),
  startedAt: isoTime,
  endedAt: isoTime,
  timeScale: z.number().positive(),
  /** the seed of the synthetic patients and the load; null when none was recorded */
  seed: z.number().int().nullable(),
  clocks: z.object({
    timeScale: z.number().positive(),
    /** wall instant (epoch ms) of scenario time 0 */
    scenarioZeroAt: epochMs,
    /** where the scenario clock changed pace: scripted waits run at the scale, measured work 1:1 */
    segments: z.array(z.object({ wall: epochMs, scenario: z.number().finite(), mark: z.enum(['scripted', 'measured']) })),
  }),
  /** the stack definition the run used, secrets masked; null when it was not recorded */
  definition: z.record(z.string(), z.unknown()).nullable(),
  provenance: provenanceSchema,
  /** the experiment's own text as it was run, and its file (absent: a scenario run, or a file that was not readable) */
  source: z.object({ file: z.string(), text: z.string() }).optional(),
  verdicts: z.array(verdictSchema),
  perFunctionSeconds: z.object({
    /** the whole wall second (epoch ms) second 0 starts at */
    originMs: epochMs,
    functions: z.record(z.string(), z.array(functionSecondSchema)),
  }),
  latency: z.object({
    layout: z.literal(HISTOGRAM_LAYOUT),
    byFunction: z.record(z.string(), sparseHistogramSchema),
    byPhase: z.array(
      z.object({
        /** null: attempts before the first phase began (the load before the timeline, the steady-state gate) */
        phase: z.string().nullable(),
        /** the phase event's wall instant, epoch ms (null before the first phase) */
        from: epochMs.nullable(),
        functions: z.record(z.string(), sparseHistogramSchema),
      }),
    ),
    /** `requests` buckets without a histogram (a driver that did not make one): the histograms leave them out */
    bucketsWithoutHistogram: count,
  }),
  events: z.array(journalEventSchema),
});

export type JournalFile = z.infer<typeof journalSchema>;

/**
 * Checks a parsed journal: a clear error naming each bad field, and a version this harness does not know is
 * refused by name (a newer harness wrote it) rather than misread.
 */
export function parseJournal(data: unknown, source = 'journal'): JournalFile {
  if (typeof data !== 'object' || data === null || Array.isArray(data)) {
    throw new InvalidInputError(`${source} is not a journal: expected a JSON object at the top level`);
  }
  const version = (data as { schemaVersion?: unknown }).schemaVersion;
  if (version === undefined) {
    throw new InvalidInputError(
      `${source} has no schemaVersion: it is not a versioned journal (before version 1 they were reports/<stamp>-<slug>.json)`,
    );
  }
  if (version !== JOURNAL_SCHEMA_VERSION) {
    const newer = typeof version === 'number' && version > JOURNAL_SCHEMA_VERSION;
    throw new InvalidInputError(
      `${source} has schemaVersion ${JSON.stringify(version)}; this harness reads schemaVersion ${JOURNAL_SCHEMA_VERSION} only`,
      newer ? 'a newer epj-chaos wrote it: read it with that version (docs/journal.md, "Versions")' : undefined,
    );
  }
  const parsed = journalSchema.safeParse(data);
  if (!parsed.success) {
    const lines = describeIssues(parsed.error.issues);
    throw new InvalidInputError(`${source} is not a valid version-${JOURNAL_SCHEMA_VERSION} journal:\n${lines.map((l) => `  - ${l}`).join('\n')}`);
  }
  return parsed.data;
}

/** The run's history again, from a journal (to recompute a verdict): its events as the history recorded them. */
export function journalHistory(journal: JournalFile): History {
  const events = journal.events as unknown as HistoryEvent[];
  // a history with `clock` events rebuilds its clock from them (pace included); one without runs at its scale
  const paced = journal.events.some((e) => e.kind === 'clock');
  return paced ? History.from(events) : History.from(events, new Clock(journal.timeScale, journal.clocks.scenarioZeroAt));
}

/** Reads and checks a journal file (`reports/<run-id>/journal.json`). */
export async function readJournal(file: string): Promise<JournalFile> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    throw new InvalidInputError(`cannot read journal ${file}: ${(err as Error).message}`);
  }
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (err) {
    throw new InvalidInputError(`journal ${file} is not JSON: ${(err as Error).message}`);
  }
  return parseJournal(data, `journal ${file}`);
}
