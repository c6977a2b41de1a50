import { randomBytes } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { hostname, tmpdir } from 'node:os';
import path from 'node:path';
import Docker from 'dockerode';
import { expect } from 'chai';
import { LABEL, runLabels } from '../../harness/docker/labels.js';
import { logTail } from '../../harness/docker/logs.js';
import { IMAGES, PROJECT_ROOT } from '../../harness/images/catalog.js';
import { collectContainerLogs } from '../../harness/reporters/container-logs.js';
import { REDACTED } from '../../harness/reporters/scrubber.js';
import { parseStackDefinition } from '../../harness/stack/definition.js';
import { referenceStack } from '../../harness/stack/reference-stack.js';
import { StartedStack } from '../../harness/stack/started-stack.js';
import { newRunId } from '../../harness/stack/names.js';
import { runCli } from '../support/cli.js';
import { NOTHING, runObjects } from '../support/docker-objects.js';

/**
 * No secrets in artefacts: a run whose environment holds secret-looking values (a token, a password in a database
 * URL, a cloud key) must not write them into anything it leaves behind — its journal under reports/, container
 * logs it saves (harness/docker/logs.ts) — nor print them. Values are random per test run, so a hit is ours.
 */

const tag = randomBytes(4).toString('hex');
const TOKEN = `s3cr3t-tok-${tag}`;
const DB_PASSWORD = `hunter2-secret-${tag}`;
const AWS_KEY = `wJalrXUtnFEMI-K7MDENG-${tag}`;
const SECRET_ENV = {
  EPJ_API_TOKEN: TOKEN,
  DATABASE_URL: `postgres://admin:${DB_PASSWORD}@127.0.0.1:5/x`,
  AWS_SECRET_ACCESS_KEY: AWS_KEY,
};
const SECRETS = [TOKEN, DB_PASSWORD, AWS_KEY];

function expectNoSecret(text: string, where: string) {
  for (const s of SECRETS) expect(text.includes(s), `${where} contains ${s}`).to.equal(false);
}

describe('no secrets in artefacts', function () {
  this.timeout(180_000);

  it('a scenario run with secrets in its environment writes none of them to its journal or output', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'epj-chaos-secrets-'));
    const file = path.join(dir, 'short.json');
    await writeFile(
      file,
      JSON.stringify({
        name: `secrets guard ${tag}`,
        timeline: [
          { at: 0, phase: 'baseline' },
          { at: 0, inject: { name: 'slow', kind: 'latency', target: { links: ['epj-front'] }, latencyMs: 50 } },
          { at: 500, phase: 'fault', inject: { name: 'frozen', kind: 'container-pause', target: { container: 'b-lookup' } } },
          { at: 1500, phase: 'recovery', heal: 'frozen' },
          { at: 1500, heal: 'slow' },
        ],
      }),
    );
    const reports = path.join(PROJECT_ROOT, 'reports');
    const started = Date.now();
    const r = await runCli(['run', file], SECRET_ENV);
    await rm(dir, { recursive: true, force: true });
    expect(r.code, r.stderr).to.equal(0);
    const run = /\(run ([a-z0-9]+)\)/.exec(r.stdout)?.[1];
    expect(run, r.stdout).to.be.a('string');
    expectNoSecret(r.stdout + r.stderr, 'CLI output');

    // every file written under reports/ since the run started (other sessions may write there too: all are scanned)
    const written: string[] = [];
    for (const name of await readdir(reports, { recursive: true })) {
      const p = path.join(reports, name);
      const s = await stat(p);
      if (s.isFile() && s.mtimeMs >= started - 1000) written.push(p);
    }
    const journals: string[] = [];
    for (const p of written) {
      const text = await readFile(p, 'utf8');
      expectNoSecret(text, p);
      if (text.includes(`"runId": "${run}"`)) journals.push(p);
    }
    // the guard is not vacuous: the run's journal is there, with its events
    expect(journals, `journal of run ${run} among ${written.join(', ')}`).to.have.length(1);
    const journal = JSON.parse(await readFile(journals[0]!, 'utf8')) as { events: { kind: string; stage?: string }[] };
    expect(journal.events.filter((e) => e.kind === 'fault' && e.stage === 'healed')).to.have.length(2);
    await rm(journals[0]!);
    expect(await runObjects(run!)).to.deep.equal(NOTHING);
  });

  it('container logs the harness keeps (logTail) are scrubbed', async () => {
    const docker = new Docker();
    const run = newRunId();
    const saved = { ...process.env };
    Object.assign(process.env, SECRET_ENV);
    // labelled as a run's, so a harness killed mid-test leaves something `epj-chaos clean` removes
    const container = await docker.createContainer({
      Image: IMAGES.base,
      Entrypoint: ['/bin/sh', '-c', 'echo "token=$EPJ_API_TOKEN"; echo "connecting to $DATABASE_URL" >&2; echo "aws $AWS_SECRET_ACCESS_KEY"'],
      Env: Object.entries(SECRET_ENV).map(([k, v]) => `${k}=${v}`),
      Labels: { ...runLabels({ run, stack: 'secrets-test', ownerPid: process.pid, ownerHost: hostname(), detached: false }), [LABEL.component]: 'secrets-test' },
      HostConfig: { NetworkMode: 'none' },
    });
    try {
      const waited = container.wait({ condition: 'next-exit' }) as Promise<{ StatusCode: number }>;
      await container.start();
      expect((await waited).StatusCode).to.equal(0);
      const logs = await logTail(docker, container.id);
      expectNoSecret(logs, 'log tail');
      // the lines are there, with the secrets replaced
      expect(logs).to.contain(`token=${REDACTED}`).and.to.contain(`connecting to postgres://${REDACTED}@127.0.0.1:5/x`).and.to.contain(`aws ${REDACTED}`);
      // and the whole logs a run saves beside its reports (harness/reporters/container-logs.ts), found by run label
      const stack = new StartedStack(docker, run, parseStackDefinition(referenceStack()), {}, 0);
      const [saved, ...others] = await collectContainerLogs(stack, 0);
      expect(others).to.deep.equal([]);
      expect(saved!.name).to.equal('secrets-test');
      expectNoSecret(saved!.text, 'saved container log');
      expect(saved!.text).to.match(/^\d{4}-[\d-]+T[\d:.]+Z token=\*\*\*$/m); // Docker's timestamp, then the line, scrubbed
    } finally {
      for (const k of Object.keys(SECRET_ENV)) {
        if (saved[k] === undefined) delete process.env[k];
        else process.env[k] = saved[k];
      }
      await container.remove({ force: true, v: true });
    }
    expect(await runObjects(run)).to.deep.equal(NOTHING);
  });
});
