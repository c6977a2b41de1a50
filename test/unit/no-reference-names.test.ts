import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { expect } from 'chai';
import { PROJECT_ROOT } from '../../harness/images/catalog.js';
import { parseStackDefinition } from '../../harness/stack/definition.js';
import { referenceStack } from '../../harness/stack/reference-stack.js';

/**
 * The harness finds a stack's parts by role and link kind (harness/stack/topology.ts, harness/probes/stack-parts.ts),
 * so that it drives a vendor's stack as it drives ours: no name of the reference stack — container, link, volume,
 * replication application name, data directory — may appear in its code. They live in the reference definition
 * file (fixtures/stacks/reference.json) only. Comments may use them as examples.
 */

function referenceNames(): string[] {
  const names = new Set<string>();
  for (const def of [referenceStack(), referenceStack({ integrations: 'each-site', replication: 'remote_apply' })].map((d) => parseStackDefinition(d))) {
    for (const c of def.containers) {
      names.add(c.name);
      for (const v of c.volumes) names.add(v.name).add(v.path);
      if (c.ready?.kind === 'postgres-streaming') names.add(c.ready.applicationName);
    }
    for (const l of def.links) names.add(l.name);
  }
  // the application names the old primary streams under after a failover (harness/stack/topology.ts)
  for (const c of parseStackDefinition(referenceStack()).containers) if (c.role === 'db-primary') names.add(c.name.replace(/-/g, '_'));
  return [...names];
}

/** The code of a TypeScript file with its comments blanked (strings kept: that is where names would hide). */
function withoutComments(text: string): string {
  return text.replace(/\/\*[\s\S]*?\*\//g, (c) => c.replace(/[^\n]/g, ' ')).replace(/(^|[^:'"`\\])\/\/.*$/gm, '$1');
}

describe('no reference-stack name in the harness', () => {
  it('appears in the code of harness/ outside the reference definition', async () => {
    const names = referenceNames();
    expect(names).to.include.members(['a-db', 'b-db', 'epj-front', 'b_db', '/var/lib/epj-db/data']); // the list is not empty by mistake
    const hits: string[] = [];
    for (const rel of (await readdir(path.join(PROJECT_ROOT, 'harness'), { recursive: true })).filter((f) => f.endsWith('.ts'))) {
      const file = path.join('harness', rel);
      const lines = withoutComments(await readFile(path.join(PROJECT_ROOT, file), 'utf8')).split('\n');
      lines.forEach((line, i) => {
        for (const name of names) {
          const escaped = name.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
          if (new RegExp(`(^|[^\\w-])${escaped}($|[^\\w-])`).test(line)) hits.push(`${file}:${i + 1}: ${name}: ${line.trim()}`);
        }
      });
    }
    expect(hits, hits.join('\n')).to.deep.equal([]);
  });
});
