import type { StackDefinition } from '../stack/definition.js';
import type { ReplicationMode } from '../stack/reference-stack.js';
import { databaseContainers } from './stack-parts.js';

/**
 * How a stack replicates, as its definition says: a database started with a non-empty `synchronous_standby_names`
 * commits at its `synchronous_commit` level (PostgreSQL's default `on` when unset); anything else, or `local`/`off`,
 * is asynchronous. Read from the `-c name=value` / `--name=value` flags of the database containers' commands,
 * which is where the reference stack (fixtures/stacks/reference.json) sets them; a stack that configures
 * synchronous replication elsewhere reads as async, which only makes the what-if checker more cautious.
 */
export interface ReplicationSetting {
  mode: ReplicationMode;
  /** the database that waits for its standbys, when synchronous */
  primary?: string;
  synchronousStandbyNames?: string;
}

export function serverSettings(command: readonly string[] = []): Map<string, string> {
  const settings = new Map<string, string>();
  const put = (pair: string) => {
    const eq = pair.indexOf('=');
    if (eq > 0) settings.set(pair.slice(0, eq).trim().replace(/-/g, '_'), pair.slice(eq + 1).trim());
  };
  for (let i = 0; i < command.length; i++) {
    const arg = command[i]!;
    if (arg === '-c' && i + 1 < command.length) put(command[++i]!);
    else if (arg.startsWith('-c') && arg.length > 2) put(arg.slice(2));
    else if (arg.startsWith('--')) put(arg.slice(2));
  }
  return settings;
}

export function replicationSettingOf(def: StackDefinition): ReplicationSetting {
  for (const container of databaseContainers(def)) {
    const settings = serverSettings(def.containers.find((c) => c.name === container)?.command);
    const standbys = settings.get('synchronous_standby_names')?.replace(/^'(.*)'$/, '$1') ?? '';
    if (!standbys) continue;
    const commit = settings.get('synchronous_commit') ?? 'on';
    if (commit === 'remote_apply' || commit === 'on' || commit === 'remote_write') {
      return { mode: commit, primary: container, synchronousStandbyNames: standbys };
    }
  }
  return { mode: 'async' };
}

export function replicationModeOf(def: StackDefinition): ReplicationMode {
  return replicationSettingOf(def).mode;
}
