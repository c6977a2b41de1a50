import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import { describeError } from '../../../harness/errors.js';
import { FhirClient } from '../../../harness/fhir/client.js';
import { syntheticPatient } from '../../../harness/fhir/resources.js';
import { Clock } from '../../../harness/history/clock.js';
import { History } from '../../../harness/history/history.js';
import { writeJournal } from '../../../harness/reporters/journal.js';
import { REDACTED } from '../../../harness/reporters/scrubber.js';
import { parseStackDefinition } from '../../../harness/stack/definition.js';
import { StartedStack } from '../../../harness/stack/started-stack.js';
import { fakeProvenance } from '../../support/provenance.js';
import { startFakeFhirServer, type FakeFhirServer } from '../workload/fake-fhir-server.js';

/**
 * A FHIR endpoint's bearer token never reaches a journal — not even when the server itself quotes it back (an
 * error page echoing the request's headers) and that answer is recorded. The variables are named so that the
 * scrubber's name rule does not take them for secrets (…_BEARER): what keeps the values out is that the harness
 * holds the token it read, and that the definition names the other variable (harness/reporters/scrubber.ts,
 * harness/reporters/journal.ts).
 */
describe('journal: no bearer token of a FHIR endpoint', function () {
  this.timeout(20_000);
  const READ = 'EPJ_UNIT_JOURNAL_BEARER';
  const NAMED_ONLY = 'EPJ_UNIT_JOURNAL_OTHER_BEARER';
  const token = `synthetic-${randomBytes(8).toString('hex')}`;
  const other = `synthetic-${randomBytes(8).toString('hex')}`;
  let server: FakeFhirServer;
  let dir: string;

  before(async () => {
    process.env[READ] = token;
    process.env[NAMED_ONLY] = other;
    dir = await mkdtemp(path.join(tmpdir(), 'epj-chaos-journal-tokens-'));
    // an EPJ that refuses the write and quotes the request's Authorization header in its OperationOutcome
    server = await startFakeFhirServer((req) => ({
      status: 401,
      body: { resourceType: 'OperationOutcome', issue: [{ code: 'login', diagnostics: `token ${String(req.headers.authorization)} is not valid here; also try ${other}` }] },
    }));
  });
  after(async () => {
    delete process.env[READ];
    delete process.env[NAMED_ONLY];
    await server.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('is not in the written history or definition, though the server echoed it into a recorded message', async () => {
    const definition = parseStackDefinition({
      name: 'acme',
      sites: [{ id: 'a', name: 'A' }],
      containers: [{ name: 'fhir', site: 'a', role: 'epj', image: 'x' }],
      links: [
        { name: 'front', kind: 'front-door', listenPort: 8080, upstream: { container: 'fhir', port: 8080 }, publish: true, auth: { bearerTokenEnv: READ } },
        { name: 'other', kind: 'admin', listenPort: 8081, upstream: { container: 'fhir', port: 8080 }, publish: true, auth: { bearerTokenEnv: NAMED_ONLY } },
      ],
      functions: { 'clinical-note': { link: 'front' } },
    });
    const stack = new StartedStack(undefined as never, 'unit1234', definition, { front: Number(new URL(server.origin).port), other: 1 }, 1);
    const history = new History(new Clock(1));
    const err = await new FhirClient(stack.functionEndpoint('clinical-note')).create(syntheticPatient('0100701234')).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(server.requests[0]!.headers.authorization).to.equal(`Bearer ${token}`);
    const said = describeError(err);
    expect(said, 'the server did echo it').to.contain(token);
    history.record({ kind: 'note', message: `the write was refused: ${said}` });

    const file = await writeJournal({ experiment: 'tokens', status: 'failed', runId: 'unittok', verdicts: [], history, definition, provenance: fakeProvenance(Date.now()) }, dir);
    const text = await readFile(file, 'utf8');
    expect(text).to.not.contain(token).and.to.not.contain(other);
    expect(text).to.contain(`token Bearer ${REDACTED} is not valid here; also try ${REDACTED}`);
  });
});
