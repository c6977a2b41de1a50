import { expect } from 'chai';
import { InvalidInputError } from '../../harness/errors.js';
import { parseStackDefinition, type StackDefinitionInput } from '../../harness/stack/definition.js';
import { referenceStack } from '../../harness/stack/reference-stack.js';
import { databaseTopology } from '../../harness/stack/topology.js';

describe('stack topology: the parts an operator works with, by role', () => {
  it('finds the reference stack’s primary, replica and replication links by role and link kind', () => {
    const t = databaseTopology(parseStackDefinition(referenceStack()));
    expect(t.primary).to.deep.equal({ container: 'a-db', site: 'a', adminLink: 'a-db-admin', dataDir: '/var/lib/epj-db/data', applicationName: 'a_db' });
    expect(t.replica).to.deep.equal({ container: 'b-db', site: 'b', adminLink: 'b-db-admin', dataDir: '/var/lib/epj-db/data', applicationName: 'b_db' });
    expect([t.replicationLink.name, t.replicationLink.listenPort]).to.deep.equal(['b-replication', 5402]);
    expect([t.reverseReplicationLink?.name, t.reverseReplicationLink?.listenPort]).to.deep.equal(['a-replication', 5405]);
  });

  it('follows renamed parts: nothing is found by the reference stack’s names', () => {
    const renamed = JSON.parse(
      JSON.stringify(referenceStack())
        .replace(/\ba-db\b/g, 'pg-north')
        .replace(/\bb-db\b/g, 'pg-south')
        .replace(/\bb_db\b/g, 'south_standby')
        .replace(/\ba-epj\b/g, 'ehr-north')
        .replace(/\bb-epj\b/g, 'ehr-south')
        .replace(/\bepj-front\b/g, 'clinicians'),
    ) as StackDefinitionInput;
    const t = databaseTopology(parseStackDefinition(renamed));
    expect([t.primary.container, t.primary.adminLink, t.primary.applicationName]).to.deep.equal(['pg-north', 'pg-north-admin', 'pg_north']);
    expect([t.replica.container, t.replica.applicationName]).to.deep.equal(['pg-south', 'south_standby']);
    expect(t.replicationLink.upstream.container).to.equal('pg-north');
  });

  it('names the role that is missing, and how to declare it', () => {
    const input = referenceStack() as StackDefinitionInput & { containers: { role?: string }[] };
    for (const c of input.containers) if (c.role === 'db-replica') c.role = 'db';
    const def = parseStackDefinition(input);
    expect(() => databaseTopology(def))
      .to.throw(InvalidInputError)
      .that.satisfies((e: InvalidInputError) => /no container with role 'db-replica' \(the replica database\)/.test(e.message) && /role: 'db-replica'/.test(e.hint ?? ''));
  });
});
