import type { Judgement, Sample } from './noise.js';

/**
 * Lost writes are judged by the candidate's replication mode (the journal's stack definition, replicationModeOf).
 * Under asynchronous replication a failover loses what was acknowledged but not yet replicated — rate × lag at a
 * random instant — so the counts are a distribution: shown as median and range, never judged (one more lost write
 * is not a regression). Under synchronous replication (`on`, `remote_write`, `remote_apply`) an acknowledged write
 * must survive: any lost write in B where A had none is a regression, none in B where A had some an improvement.
 */
export function lostWritesJudgement(a: Sample, b: Sample, modesOfB: readonly (string | null)[]): { judgement: Judgement; note: string } {
  const modes = [...new Set(modesOfB.map((m) => m ?? 'unknown'))];
  const synchronous = modes.length > 0 && modes.every((m) => m !== 'async' && m !== 'unknown');
  if (!synchronous) {
    const why = modes.includes('unknown') ? 'replication mode unknown, taken as asynchronous' : 'asynchronous replication';
    return { judgement: 'not judged', note: `${why}: lost writes are random (rate × lag at the failure), compared as distributions (median, range), never judged` };
  }
  const note = `synchronous replication (${modes.join(', ')}): any acknowledged write lost is a failure`;
  if (a.max === 0 && b.max > 0) return { judgement: 'worse', note };
  if (a.max > 0 && b.max === 0) return { judgement: 'better', note };
  return { judgement: 'within noise', note };
}
