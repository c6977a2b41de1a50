import type { JournalFile } from '../reporters/journal-schema.js';
import { replicationModeOf } from '../reporters/report-data.js';

/**
 * What differs between the two sides besides the release itself, from the journals' provenance and run facts: the
 * stack's images are the release under comparison and are not a caveat; anything else — the harness's commit or
 * version, the tools, the host, the time scale, the replication mode — makes a difference less surely the release's.
 */
type Group = 'harness' | 'host' | 'run';

const GROUP_WORDS: Record<Group, string> = {
  harness: 'the harness itself changed between the runs',
  host: 'the host differed between the runs',
  run: 'the runs were not set up alike',
};

function facts(j: JournalFile): [Group, string, string][] {
  const p = j.provenance;
  const commit = p.harness.commit ? `${p.harness.commit.sha.slice(0, 10)}${p.harness.commit.dirty ? ' (dirty)' : ''}` : 'none';
  const out: [Group, string, string][] = [
    ['harness', 'harness version', `${p.harness.name} ${p.harness.version ?? '?'}`],
    ['harness', 'harness commit', commit],
    ['harness', 'node', p.tools.node],
    ['harness', 'docker', p.tools.docker?.version ?? 'unknown'],
    ...Object.entries(p.tools.pinned ?? {}).map(([k, v]): [Group, string, string] => ['harness', k, v]),
    ['host', 'host', `${p.host.os} ${p.host.kernel} ${p.host.arch}`],
    ['host', 'cpus', String(p.host.cpus)],
    ['host', 'memory', `${Math.round(p.host.totalMemoryBytes / 2 ** 20)} MiB`],
    ['run', 'time scale', `×${j.timeScale}`],
    ['run', 'replication mode', replicationModeOf(j) ?? 'unknown'],
  ];
  return out;
}

/** The facts that differ between the sides, one caveat line per group ("the harness itself changed …: node v20 → v22"). */
export function provenanceCaveats(a: readonly JournalFile[], b: readonly JournalFile[]): string[] {
  const values = (runs: readonly JournalFile[]) => {
    const m = new Map<string, { group: Group; values: Set<string> }>();
    for (const j of runs) {
      for (const [group, name, value] of facts(j)) {
        const x = m.get(name) ?? { group, values: new Set<string>() };
        x.values.add(value);
        m.set(name, x);
      }
    }
    return m;
  };
  const va = values(a);
  const vb = values(b);
  const diffs = new Map<Group, string[]>();
  for (const name of new Set([...va.keys(), ...vb.keys()])) {
    const sa = [...(va.get(name)?.values ?? [])].sort().join(', ') || 'none';
    const sb = [...(vb.get(name)?.values ?? [])].sort().join(', ') || 'none';
    if (sa === sb) continue;
    const group = (va.get(name) ?? vb.get(name))!.group;
    diffs.set(group, [...(diffs.get(group) ?? []), `${name} ${sa} → ${sb}`]);
  }
  return [...diffs].map(([group, list]) => `${GROUP_WORDS[group]}: ${list.join('; ')}`);
}

/** Runs that did not run through (aborted, interrupted): their measures may be partial. */
export function statusCaveats(side: 'A' | 'B', runs: readonly JournalFile[]): string[] {
  return runs.filter((j) => j.status === 'aborted' || j.status === 'interrupted').map((j) => `${side} run ${j.id} was ${j.status}${j.reason ? ` (${j.reason})` : ''}: its measures may be partial`);
}
