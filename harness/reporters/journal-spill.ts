import { createReadStream } from 'node:fs';
import { open, rm, type FileHandle } from 'node:fs/promises';
import path from 'node:path';
import { createInterface } from 'node:readline';
import type { HistoryEvent } from '../history/events.js';
import { JournalAggregates } from './journal-aggregates.js';
import { Scrubber } from './scrubber.js';
import { makeRunTempDir } from '../util/run-temp-dir.js';

/**
 * The events a long run has finished with, kept on disk for its journal instead of in memory. The matrix
 * (harness/matrix/run-matrix.ts) judges each cell on its own slice of the history and then has no more use for its
 * events but the journal's: they go here, a line each, scrubbed as the journal writes them, and are added to the
 * journal's summaries (harness/reporters/journal-aggregates.ts) as they come — so its memory does not grow with
 * the number of cells. `writeJournal(..., spill)` writes these lines ahead of the events still in memory.
 */
export class JournalSpill {
  readonly aggregates = new JournalAggregates();
  private count = 0;
  private writing: Promise<void> = Promise.resolve();

  private constructor(
    private readonly dir: string,
    private readonly file: string,
    private readonly handle: FileHandle,
    private readonly scrubber: Scrubber,
  ) {}

  /** A spill in a temporary directory of its own; `definition` names the secrets to scrub, as the journal's. */
  static async open(definition: object | undefined): Promise<JournalSpill> {
    const dir = await makeRunTempDir('spill');
    const file = path.join(dir, 'events.ndjson');
    return new JournalSpill(dir, file, await open(file, 'w'), Scrubber.forRun(definition));
  }

  /** events spilled so far */
  get size(): number {
    return this.count;
  }

  /** Adds a chunk of events, in time order after every earlier chunk (journal-aggregates.ts's `addAll`). */
  add(events: readonly HistoryEvent[]): Promise<void> {
    if (events.length === 0) return this.writing;
    this.aggregates.addAll(events);
    this.count += events.length;
    const text = events.map((e) => `${this.scrubber.stringify(e)}\n`).join('');
    // appends in order, whoever waits
    this.writing = this.writing.then(() => this.handle.write(text).then(() => {}));
    return this.writing;
  }

  /** The spilled events' lines (scrubbed JSON, without their newline), in the order they came. */
  async *lines(): AsyncGenerator<string> {
    await this.writing;
    await this.handle.sync().catch(() => {});
    const rl = createInterface({ input: createReadStream(this.file, 'utf8'), crlfDelay: Infinity });
    for await (const line of rl) if (line) yield line;
  }

  /** Removes the file; the spill cannot be read after. */
  async dispose(): Promise<void> {
    await this.writing.catch(() => {});
    await this.handle.close().catch(() => {});
    await rm(this.dir, { recursive: true, force: true });
  }
}
