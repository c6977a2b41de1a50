import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { expect } from 'chai';
import { HarnessError, InvalidInputError } from '../../harness/errors.js';
import { FhirEndpoint } from '../../harness/fhir/endpoint.js';
import { History } from '../../harness/history/history.js';
import type { RunContext } from '../../harness/run-context.js';
import { allowHostCommandsFrom } from '../../harness/runbooks/host-commands.js';
import { runbookAction } from '../../harness/runbooks/run-runbook.js';
import { withCaptured } from '../../harness/runbooks/variables.js';
import { parseStackDefinition, type StackDefinition } from '../../harness/stack/definition.js';
import { referenceStack } from '../../harness/stack/reference-stack.js';
import type { StartedStack } from '../../harness/stack/started-stack.js';

/**
 * Runbooks (harness/runbooks/): steps run in order with proof, captures, retries, refusals, fencing skipped on
 * request, host commands only from a definition named on the command line. HTTP steps run against a local server
 * standing in for an EPJ's admin API; the SQL, container and repoint steps need a stack (test/integration/actions.test.ts).
 */

interface FakeEpj {
  url: string;
  port: number;
  mode: string;
  healthzFailures: number;
  requests: string[];
  close(): Promise<void>;
}

async function fakeEpj(): Promise<FakeEpj> {
  const state = { mode: 'readwrite', healthzFailures: 0, requests: [] as string[] };
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      state.requests.push(`${req.method} ${req.url}`);
      const json = (status: number, v: unknown) => {
        res.writeHead(status, { 'content-type': 'application/json' });
        res.end(JSON.stringify(v));
      };
      if (req.url === '/_admin/mode' && req.method === 'POST') {
        state.mode = (JSON.parse(body) as { mode: string }).mode;
        return json(200, { mode: state.mode });
      }
      if (req.url === '/healthz') {
        if (state.healthzFailures > 0) {
          state.healthzFailures--;
          return json(503, { status: 'starting' });
        }
        return json(200, { status: 'ok', mode: state.mode, db: { writable: state.mode === 'readwrite' } });
      }
      if (req.url === '/lsn') return json(200, { lsn: '0/3000060' });
      if (req.url?.startsWith('/wait/')) return json(200, { waited: req.url.slice('/wait/'.length) });
      json(404, { resourceType: 'OperationOutcome', issue: [{ code: 'not-found' }] });
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  return Object.assign(state, {
    url: `http://127.0.0.1:${port}`,
    port,
    close: () => new Promise<void>((r) => server.close(() => r())),
  }) as FakeEpj;
}

/** A one-site stack whose admin link leads to the fake EPJ, with the given runbooks. */
function stackWith(epj: FakeEpj, runbooks: unknown, extra: Record<string, unknown> = {}): StackDefinition {
  return parseStackDefinition({
    name: 'acme',
    sites: [{ id: 'a', name: 'Aarhus' }],
    containers: [
      { name: 'db', site: 'a', role: 'db-primary', image: 'acme/db' },
      { name: 'app', site: 'a', role: 'epj', image: 'acme/epj', ready: { kind: 'http', link: 'app-admin', path: '/healthz' } },
    ],
    links: [
      { name: 'app-admin', kind: 'admin', listenPort: 6001, upstream: { container: 'app', port: 8080 }, publish: epj.port },
      { name: 'front', kind: 'front-door', listenPort: 8080, upstream: { container: 'app', port: 8080 }, publish: true },
      { name: 'db-admin', kind: 'admin', listenPort: 6002, upstream: { container: 'db', port: 5432 }, publish: true },
      { name: 'hidden', kind: 'app-db', listenPort: 5401, upstream: { container: 'db', port: 5432 } },
    ],
    functions: { 'clinical-note': { link: 'front' } },
    runbooks,
    ...extra,
  });
}

function contextOf(def: StackDefinition, epj: FakeEpj): RunContext {
  const stack = {
    definition: def,
    runId: 'unit1234',
    linkPort: (l: string) => (l === 'app-admin' ? epj.port : 1),
    linkUrl: (l: string) => `http://127.0.0.1:${l === 'app-admin' ? epj.port : 1}`,
    linkEndpoint: (l: string) => FhirEndpoint.of(`http://127.0.0.1:${l === 'app-admin' ? epj.port : 1}`),
    endpoints: { toxiproxyApi: 'http://127.0.0.1:1' },
  } as unknown as StartedStack;
  return { stack, history: new History() };
}

const step = (name: string, more: Record<string, unknown>) => ({ name, ...more });
const post = (mode: string) => ({ method: 'POST', link: 'app-admin', path: '/_admin/mode', body: { mode }, expect: { status: 200, body: { mode } } });

async function errorOf(p: Promise<unknown>): Promise<Error> {
  try {
    await p;
  } catch (err) {
    return err as Error;
  }
  throw new Error('expected the runbook to fail');
}

describe('runbooks: steps from the stack definition, performed with proof', () => {
  let epj: FakeEpj;
  beforeEach(async () => {
    epj = await fakeEpj();
  });
  afterEach(async () => {
    await epj.close();
  });

  it('runs its steps in order, each in the proof with its instant, a declared promotion as an effect', async () => {
    const def = stackWith(epj, {
      failover: {
        steps: [
          step('app fenced', { http: post('standby') }),
          step('db promoted', { http: { link: 'app-admin', path: '/healthz', expect: { body: { mode: 'standby' } } }, effect: { promoted: 'db' } }),
        ],
      },
    });
    const ctx = contextOf(def, epj);
    await runbookAction('failover').run(ctx);
    const [started, done] = ctx.history.ofKind('action');
    expect([started!.stage, done!.stage]).to.deep.equal(['started', 'completed']);
    expect(done!.detail).to.match(/^app fenced \(POST \/_admin\/mode on app-admin → 200\) at \S+Z; db promoted \(GET \/healthz on app-admin → 200\) at \S+Z; took \d+ ms$/);
    expect(done!.effects).to.have.length(1);
    expect(done!.effects![0]).to.include({ kind: 'promoted', container: 'db' });
    expect(epj.requests).to.deep.equal(['POST /_admin/mode', 'GET /healthz']);
  });

  it('fills in what an earlier step captured, at the moment the later step runs', async () => {
    const def = stackWith(epj, {
      switchover: {
        steps: [
          step('position', { http: { link: 'app-admin', path: '/lsn' }, capture: 'pos' }),
          step('wait for it', { http: { link: 'app-admin', path: '/wait/{{pos.lsn}}', expect: { body: { waited: '0/3000060' } } }, record: true }),
        ],
      },
    });
    const ctx = contextOf(def, epj);
    await runbookAction('switchover').run(ctx);
    expect(epj.requests).to.deep.equal(['GET /lsn', 'GET /wait/0/3000060']);
    expect(ctx.history.ofKind('action')[1]!.detail).to.contain('wait for it (GET /wait/0/3000060 on app-admin → 200: {"waited":"0/3000060"})');
  });

  it('`until` retries a step until it holds; past its time it fails naming the step and what kept failing', async () => {
    const def = stackWith(epj, {
      ready: { steps: [step('app answers', { http: { link: 'app-admin', path: '/healthz', expect: { status: 200 } }, until: { timeoutMs: 3000, intervalMs: 20 } })] },
      impatient: { steps: [step('app answers soon', { http: { link: 'app-admin', path: '/healthz', expect: { status: 200 } }, until: { timeoutMs: 100, intervalMs: 20 } })] },
    });
    epj.healthzFailures = 3;
    await runbookAction('ready').run(contextOf(def, epj));
    expect(epj.requests.filter((r) => r === 'GET /healthz')).to.have.length(4);

    epj.healthzFailures = 1000;
    const ctx = contextOf(def, epj);
    const err = await errorOf(runbookAction('impatient').run(ctx));
    expect(err).to.be.instanceOf(HarnessError);
    expect(err.message).to.match(/^runbook 'impatient' step 1 'app answers soon' failed: GET \/healthz on app-admin answered 503 \(expected 200\).*\(still, after 100 ms of trying\)$/);
    expect(ctx.history.ofKind('action').map((e) => e.stage)).to.deep.equal(['started', 'failed']);
  });

  it('a precondition that does not hold refuses the action (bad input, nothing done); an unreachable link fails it', async () => {
    const def = stackWith(epj, {
      failover: {
        steps: [
          step('app is writable', { http: { link: 'app-admin', path: '/healthz', expect: { body: { mode: 'readwrite' } } }, refuse: 'app is not the writer: nothing to fail over from' }),
          step('fence', { http: post('standby') }),
        ],
      },
    });
    epj.mode = 'standby';
    const refused = await errorOf(runbookAction('failover').run(contextOf(def, epj)));
    expect(refused).to.be.instanceOf(InvalidInputError);
    expect(refused.message).to.match(/^failover refused: app is not the writer: nothing to fail over from \(app is writable: GET \/healthz on app-admin answered 200 with mode is "standby", not "readwrite"\)$/);
    expect(epj.requests).to.deep.equal(['GET /healthz']);

    await epj.close();
    const unreachable = await errorOf(runbookAction('failover').run(contextOf(def, epj)));
    expect(unreachable).to.not.be.instanceOf(InvalidInputError);
    expect(unreachable.message).to.match(/^runbook 'failover' step 1 'app is writable' failed: GET \/healthz on app-admin: fetch failed/);
    epj = await fakeEpj(); // for afterEach
  });

  it('fencing steps are skipped when the action is told not to fence; a step that may fail carries on, noted', async () => {
    const def = stackWith(epj, {
      failover: {
        steps: [
          step('app fenced', { http: post('standby'), fencing: true }),
          step('ask something nobody answers', { http: { link: 'app-admin', path: '/nothing', expect: { status: 200 } }, onFailure: 'continue' }),
          step('still answering', { http: { link: 'app-admin', path: '/healthz', expect: { body: { status: 'ok' } } } }),
        ],
      },
    });
    const ctx = contextOf(def, epj);
    await runbookAction('failover', { fence: false }).run(ctx);
    const detail = ctx.history.ofKind('action')[1]!.detail!;
    expect(detail).to.contain('app fenced: skipped (fence: false)');
    expect(detail).to.contain('ask something nobody answers: did not work, carried on (GET /nothing on app-admin answered 404 (expected 200)');
    expect(epj.mode).to.equal('readwrite');
    await runbookAction('failover').run(contextOf(def, epj));
    expect(epj.mode).to.equal('standby');
  });

  it('a runbook the stack does not have is named, with those it has; its kind of work is the runbook’s own', async () => {
    const def = stackWith(epj, { 'stop-fallback': { kind: 'break', steps: [step('noop', { http: { link: 'app-admin', path: '/healthz' } })] } });
    const ctx = contextOf(def, epj);
    const err = await errorOf(runbookAction('failover').run(ctx));
    expect(err).to.be.instanceOf(InvalidInputError);
    expect(err.message).to.equal("stack 'acme' has no runbook 'failover'");
    expect((err as InvalidInputError).hint).to.equal('its runbooks: stop-fallback');
    expect(runbookAction('stop-fallback').kindIn!(ctx)).to.equal('break');
    expect(runbookAction('failover').kindIn!(ctx)).to.equal('act');
  });

  it('host commands run only from a definition named on the command line, with the endpoints and none of the harness’s environment', async () => {
    const runbooks = {
      notify: {
        steps: [step('tell the vendor', { host: { command: ['sh', '-c', 'test -n "$EPJ_CHAOS_LINK_APP_ADMIN_URL" && test "$EPJ_CHAOS_RUN" = unit1234 && test -z "$EPJ_CHAOS_UNIT_SECRET"'] } })],
      },
    };
    process.env.EPJ_CHAOS_UNIT_SECRET = 'hunter2';
    try {
      const fromCode = contextOf(stackWith(epj, runbooks), epj);
      const refused = await errorOf(runbookAction('notify').run(fromCode));
      expect(refused.message).to.contain('host commands run only from a stack definition named on the command line');

      const file = '/tmp/epj-chaos-unit/acme.json';
      allowHostCommandsFrom(file);
      const named = contextOf(stackWith(epj, runbooks, { template: { file, options: {} } }), epj);
      await runbookAction('notify').run(named);
      expect(named.history.ofKind('action')[1]!.detail).to.match(/tell the vendor \(sh -c .* on the host: exit 0\)/);
    } finally {
      delete process.env.EPJ_CHAOS_UNIT_SECRET;
    }
  });

  it('a reference to something not captured is named when it runs', () => {
    expect(() => withCaptured({ q: 'SELECT {{nope.lsn}}' }, new Map(), 'here')).to.throw(/here: \{\{nope.lsn\}\} refers to nothing captured/);
    expect(() => withCaptured({ q: '{{x.lsn}}' }, new Map([['x', { other: 1 }]]), 'here')).to.throw(/'x' has no field 'lsn'/);
    expect(withCaptured({ q: ['{{x.a.b}}', 7] }, new Map([['x', { a: { b: 'c' } }]]), 'here')).to.deep.equal({ q: ['c', 7] });
  });
});

describe('runbooks in a stack definition: checked before anything starts', () => {
  const broken = (steps: unknown[]) => {
    const epj = { port: 9 } as FakeEpj;
    try {
      stackWith(epj, { failover: { steps } });
    } catch (err) {
      return (err as Error).message;
    }
    return '';
  };

  for (const [what, steps, expected] of [
    ['a link that is not defined', [step('x', { sql: { link: 'nope', query: 'SELECT 1' } })], "runbook 'failover' step 1 'x' names link 'nope', which is not defined"],
    ['a link that is not published', [step('x', { http: { link: 'hidden', path: '/' } })], "names link 'hidden', which is not published"],
    ['a container that is not defined', [step('x', { container: { name: 'ghost', do: 'start' } })], "names container 'ghost', which is not defined"],
    ['a promotion of no container', [step('x', { http: { link: 'app-admin', path: '/' }, effect: { promoted: 'ghost' } })], "names container 'ghost'"],
    ['a wait for a container without a ready check', [step('x', { ready: { container: 'db' } })], "waits for 'db' to be ready, but it has no ready check"],
    ['a write proof through a function nobody serves', [step('x', { proveWrite: { function: 'admission' } })], "proves writes through 'admission', which no front door serves"],
    ['a variable no earlier step captures', [step('x', { sql: { link: 'db-admin', query: "SELECT '{{pos.lsn}}'" } }), step('y', { sql: { link: 'db-admin', query: 'SELECT 1' }, capture: 'pos' })], "step 1 'x' uses {{pos…}}, which no earlier step captures"],
    ['a step of two kinds', [step('x', { sql: { link: 'db-admin', query: 'SELECT 1' }, http: { link: 'app-admin', path: '/' } })], 'a step does exactly one of'],
    ['a step of no kind', [step('x', {})], 'a step does exactly one of sql, http, exec, host, repoint, container, oneOff, upgrade, ready, proveWrite'],
    ['a misspelt field', [step('x', { http: { link: 'app-admin', path: '/', metod: 'POST' } })], 'runbooks.failover.steps.0.http.metod: unknown field'],
  ] as const) {
    it(`names ${what}`, () => {
      expect(broken(steps as unknown as unknown[])).to.contain(expected);
    });
  }

  it('the reference stack’s runbooks hold: failover, failback, start-lookup, stop-lookup, fence, and the release drill’s upgrade-site-b, switchover, upgrade-site-a', () => {
    const def = parseStackDefinition(referenceStack());
    expect(Object.keys(def.runbooks)).to.deep.equal(['failover', 'failback', 'start-lookup', 'stop-lookup', 'fence', 'upgrade-site-b', 'switchover', 'upgrade-site-a']);
    expect(def.runbooks['stop-lookup']!.kind).to.equal('break');
    // a failover must work with site A dark: apart from fencing (which may fail), no step needs a part of site A
    // (the front door is the harness's, repointed to B before it is asked anything)
    const atA = (container: string) => def.containers.find((c) => c.name === container)?.site === 'a';
    const siteA = new Set([...def.containers.filter((c) => atA(c.name)).map((c) => c.name), ...def.links.filter((l) => l.kind === 'admin' && atA(l.upstream.container)).map((l) => l.name)]);
    for (const s of def.runbooks.failover!.steps.filter((x) => !x.fencing)) {
      for (const ref of [s.sql?.link, s.http?.link, s.container?.name, s.oneOff?.container, s.exec?.container]) expect(siteA.has(ref ?? ''), `${s.name} reaches site A`).to.equal(false);
    }
    // the promotions checkers reason about are declared
    expect(def.runbooks.failover!.steps.filter((s) => s.effect).map((s) => s.effect!.promoted)).to.deep.equal(['b-db']);
    expect(def.runbooks.failback!.steps.filter((s) => s.effect).map((s) => s.effect!.promoted)).to.deep.equal(['a-db']);
  });
});
