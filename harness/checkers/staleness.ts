import type { StalenessEvent } from '../history/events.js';
import type { Clock } from '../history/clock.js';
import type { History } from '../history/history.js';
import { formatDuration } from './format.js';
import { phasesOf, type Phase } from './phases.js';
import { composeVerdicts, type Verdict } from './verdict.js';

/**
 * Staleness of each reader (a replica database, Opslags-EPJ) per phase, from the staleness probe's samples
 * (harness/probes/staleness.ts): staleness = sample instant − write instant of the newest heartbeat the reader
 * showed. Unreachable samples count: they carry the last heartbeat seen, so a reader that is down or cut off shows
 * growing staleness rather than no data. A sample belongs to the phase containing its instant.
 */
export interface ReaderStaleness {
  reader: string;
  via: StalenessEvent['via'];
  /** samples with a staleness (a heartbeat had been seen) */
  samples: number;
  /** of those, taken while the reader did not answer */
  unreachable: number;
  /** samples before any heartbeat of the probe was seen (no staleness) */
  noHeartbeat: number;
  peakMs: number | null;
  /** the peak in scenario time: its scripted waits at the scale, measured work 1:1 (harness/history/clock.ts) */
  peakScenarioMs: number | null;
  peakAt: number | null;
  meanMs: number | null;
  /** the last sample's staleness */
  lastMs: number | null;
}

export interface PhaseStaleness extends Phase {
  readers: ReaderStaleness[];
}

export interface StalenessReport {
  phases: PhaseStaleness[];
  wholeRun: ReaderStaleness[];
}

export interface StalenessOptions {
  /** readers to report, by container name (default: every reader sampled), in this order */
  readers?: string[];
  /** end of the last phase (default: end of the history) */
  end?: number;
}

function samplesByReader(history: History): Map<string, StalenessEvent[]> {
  const by = new Map<string, StalenessEvent[]>();
  for (const e of [...history.ofKind('staleness')].sort((a, b) => a.t - b.t)) {
    const list = by.get(e.reader);
    if (list) list.push(e);
    else by.set(e.reader, [e]);
  }
  return by;
}

function summarise(reader: string, via: StalenessEvent['via'], samples: readonly StalenessEvent[], clock: Clock): ReaderStaleness {
  let peak: StalenessEvent | undefined;
  let peakScenarioMs: number | null = null;
  let sum = 0;
  let n = 0;
  let unreachable = 0;
  let last: number | null = null;
  for (const s of samples) {
    if (s.stalenessMs === null) continue;
    n++;
    sum += s.stalenessMs;
    if (s.unreachable) unreachable++;
    if (!peak || s.stalenessMs > peak.stalenessMs!) peak = s;
    const scenario = clock.toScenario(s.t) - clock.toScenario(s.heartbeatAt ?? s.t);
    if (peakScenarioMs === null || scenario > peakScenarioMs) peakScenarioMs = scenario;
    last = s.stalenessMs;
  }
  return {
    reader,
    via,
    samples: n,
    unreachable,
    noHeartbeat: samples.length - n,
    peakMs: peak?.stalenessMs ?? null,
    peakScenarioMs,
    peakAt: peak?.t ?? null,
    meanMs: n > 0 ? Math.round(sum / n) : null,
    lastMs: last,
  };
}

export function stalenessByPhase(history: History, opts: StalenessOptions = {}): StalenessReport {
  const by = samplesByReader(history);
  const readers = opts.readers ?? [...by.keys()].sort();
  const viaOf = (r: string) => by.get(r)?.[0]?.via ?? 'sql';
  const phases = phasesOf(history, opts.end === undefined ? {} : { end: opts.end });
  return {
    phases: phases.map((p) => ({
      ...p,
      readers: readers.map((r) => summarise(r, viaOf(r), (by.get(r) ?? []).filter((s) => s.t >= p.start && s.t < p.end), history.clock)),
    })),
    wholeRun: readers.map((r) => summarise(r, viaOf(r), by.get(r) ?? [], history.clock)),
  };
}

/**
 * The staleness of `reader` at instant `t`: t − the newest heartbeat its samples at or before `t` showed. Between
 * samples this is an upper bound (a newer heartbeat may have arrived unseen); null before any heartbeat was seen.
 */
export function stalenessAt(history: History, reader: string, t: number): number | null {
  let newest: number | null = null;
  for (const s of history.ofKind('staleness')) {
    if (s.reader !== reader || s.t > t || s.heartbeatAt === null) continue;
    if (newest === null || s.heartbeatAt > newest) newest = s.heartbeatAt;
  }
  return newest === null ? null : t - newest;
}

export interface StalenessVerdictOptions {
  /** the bound, wall ms: every sample's staleness must be ≤ this */
  boundMs: number;
  /** or a bound in scenario time, compared with the scenario staleness (an experiment's "≤ 11 min") */
  boundScenarioMs?: number;
  /** a different bound for some readers, by container name */
  boundByReader?: Record<string, number>;
  /** judge every occurrence of these phases; omitted: the whole run */
  phases?: string[];
  readers?: string[];
  end?: number;
}

/**
 * `staleness ≤ bound in phase X`, per reader: pass when the peak sampled staleness is within the bound, fail when
 * it is not, unknown when the reader has no sample with a staleness there (no evidence is not freshness) or is a
 * database the harness could not reach through its admin link.
 */
export function stalenessVerdict(history: History, opts: StalenessVerdictOptions): Verdict {
  const report = stalenessByPhase(history, {
    ...(opts.readers ? { readers: opts.readers } : {}),
    ...(opts.end !== undefined ? { end: opts.end } : {}),
  });
  const judge = (s: ReaderStaleness, where: string): Verdict => {
    const bound = opts.boundByReader?.[s.reader] ?? opts.boundMs;
    const checker = `staleness ${s.reader} ${where}`;
    const details = { where, boundMs: bound, ...s };
    if (s.peakMs === null) return { checker, status: 'unknown', summary: `${s.reader} (${s.via}): no staleness sample ${where}`, details };
    // A database is read through the harness's own admin link: when it does not answer, the harness has lost its
    // instrument, and what the replica holds is not known (through a clinical front door, not answering is what
    // clinicians see, and the staleness of what they last saw keeps growing).
    if (s.via === 'sql' && s.unreachable > 0) {
      return { checker, status: 'unknown', summary: `${s.reader} (sql): the harness could not read it through its admin link in ${s.unreachable} of ${s.samples} samples ${where}, so its staleness there is not known`, details };
    }
    const scenario = opts.boundScenarioMs !== undefined && history.clock.scale !== 1;
    const peak = scenario ? s.peakScenarioMs! : s.peakMs;
    const limit = scenario ? opts.boundScenarioMs! : bound;
    const ok = peak <= limit;
    const down = s.unreachable > 0 ? `, ${s.unreachable} unreachable` : '';
    return {
      checker,
      status: ok ? 'pass' : 'fail',
      summary: `${s.reader} (${s.via}): peak ${formatDuration(peak)}${scenario ? ` scenario (${formatDuration(s.peakMs)} wall)` : ''} ${ok ? '≤' : '>'} ${formatDuration(limit)} ${where} (${s.samples} samples${down})`,
      details,
    };
  };
  const children: Verdict[] = [];
  if (!opts.phases) {
    for (const s of report.wholeRun) children.push(judge(s, 'over the whole run'));
    if (report.wholeRun.length === 0) children.push({ checker: 'staleness', status: 'unknown', summary: 'no staleness samples (was the staleness probe running?)' });
  } else {
    for (const name of opts.phases) {
      const occurrences = report.phases.filter((p) => p.name === name);
      if (occurrences.length === 0) children.push({ checker: `staleness in ${name}`, status: 'unknown', summary: `phase ${name} never started` });
      for (const p of occurrences) {
        const where = occurrences.length > 1 ? `in ${name} #${p.index}` : `in ${name}`;
        if (p.readers.length === 0) children.push({ checker: `staleness ${where}`, status: 'unknown', summary: `no staleness samples ${where}` });
        for (const s of p.readers) children.push(judge(s, where));
      }
    }
  }
  return { ...composeVerdicts('staleness', children), details: report };
}
