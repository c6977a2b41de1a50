import { expect } from 'chai';
import { WRITE_ID_SYSTEM } from '../../../harness/fhir/resources.js';
import { readBack } from '../../../harness/workload/readback.js';
import { startFakeFhirServer, type FakeFhirServer, type SeenRequest } from './fake-fhir-server.js';

const encounter = (id: string, ...writeIds: string[]) => ({
  resourceType: 'Encounter',
  id,
  identifier: writeIds.map((value) => ({ system: WRITE_ID_SYSTEM, value })),
});

/** The write ids an identifier search asked for. */
function askedIds(req: SeenRequest): string[] {
  const q = new URL(req.url, 'http://x').searchParams.get('identifier') ?? '';
  return q.split(',').map((v) => v.slice(v.indexOf('|') + 1));
}

describe('workload: read-back on any FHIR R4 server', () => {
  let server: FakeFhirServer | undefined;
  afterEach(async () => {
    await server?.close();
    server = undefined;
  });

  it('on a server that answers in one page (our EPJ), sends exactly the one search it always sent', async () => {
    server = await startFakeFhirServer((req) => ({
      status: 200,
      body: {
        resourceType: 'Bundle',
        type: 'searchset',
        total: 2,
        link: [{ relation: 'self', url: `http://127.0.0.1:1${req.url}` }],
        entry: [
          { fullUrl: 'x', resource: encounter('e1', 'w1', 'w2'), search: { mode: 'match' } },
          { fullUrl: 'y', resource: encounter('e2', 'w3'), search: { mode: 'match' } },
        ],
      },
    }));
    const found = await readBack(server.origin, { Encounter: ['w1', 'w2', 'w3', 'w4'] });
    expect(found).to.deep.equal([
      { writeId: 'w1', resourceId: 'e1', resourceType: 'Encounter' },
      { writeId: 'w2', resourceId: 'e1', resourceType: 'Encounter' },
      { writeId: 'w3', resourceId: 'e2', resourceType: 'Encounter' },
    ]);
    expect(server.requests).to.have.length(1);
    const ids = ['w1', 'w2', 'w3', 'w4'].map((w) => `${WRITE_ID_SYSTEM}|${w}`).join(',');
    expect(server.requests[0]!.method).to.equal('GET');
    expect(server.requests[0]!.url).to.equal(`/Encounter?${new URLSearchParams({ identifier: ids, _count: '1000' })}`);
    expect(server.requests[0]!.headers.accept).to.equal('application/fhir+json');
  });

  // A HAPI-like server: base path /fhir, pages of 2 whatever _count says, no Bundle.total, and its own configured
  // address (not the one the harness reached it by) in the self and next links.
  const pagingServer = (pageSize: number, opts: { total?: boolean } = {}) => {
    const all = ['a', 'b', 'c', 'd', 'e'].map((id, i) => encounter(id, `w${i + 1}`));
    return startFakeFhirServer((req) => {
      const url = new URL(req.url, 'http://x');
      let offset = 0;
      if (url.pathname === '/fhir' && url.searchParams.has('_getpages')) offset = Number(url.searchParams.get('_getpagesoffset'));
      else if (url.pathname !== '/fhir/Encounter') return { status: 404, body: { resourceType: 'OperationOutcome', issue: [] } };
      const page = all.slice(offset, offset + pageSize);
      const nextQuery = `_getpages=abc&_getpagesoffset=${offset + pageSize}&_count=${pageSize}&_bundletype=searchset`;
      return {
        status: 200,
        body: {
          resourceType: 'Bundle',
          type: 'searchset',
          ...(opts.total ? { total: all.length } : {}),
          link: [
            { relation: 'self', url: `http://hapi.internal:8080${req.url}` },
            ...(offset + pageSize < all.length
              ? [{ relation: 'next', url: `http://hapi.internal:8080/fhir?${nextQuery}` }]
              : []),
          ],
          entry: [
            // an OperationOutcome and an included resource are not matches (search.html#mode)
            { resource: { resourceType: 'OperationOutcome', issue: [] }, search: { mode: 'outcome' } },
            { resource: encounter('incl', 'w1'), search: { mode: 'include' } },
            ...page.map((r) => ({ fullUrl: `http://hapi.internal:8080/fhir/Encounter/${r.id}`, resource: r })),
          ],
        },
      };
    });
  };

  for (const [name, opts] of [
    ['absolute next links on the server’s own address, no total', {}],
    ['next links with a total', { total: true }],
  ] as const) {
    it(`follows every page (${name}), rebased onto the base URL it was given`, async () => {
      server = await pagingServer(2, opts);
      const found = await readBack(`${server.origin}/fhir`, { Encounter: ['w1', 'w2', 'w3', 'w4', 'w5', 'w9'] });
      expect(found.map((f) => `${f.writeId}=${f.resourceId}`)).to.deep.equal(['w1=a', 'w2=b', 'w3=c', 'w4=d', 'w5=e']);
      expect(server.requests.map((r) => new URL(r.url, 'http://x').pathname)).to.deep.equal(['/fhir/Encounter', '/fhir', '/fhir']);
      expect(server.requests[1]!.url).to.equal('/fhir?_getpages=abc&_getpagesoffset=2&_count=2&_bundletype=searchset');
    });
  }

  it('sends every request to the loopback base it was given, whatever host the links name', async () => {
    server = await pagingServer(1);
    const found = await readBack(`${server.origin}/fhir/`, { Encounter: ['w1', 'w2', 'w3', 'w4', 'w5'] });
    expect(found).to.have.length(5);
    expect(server.requests).to.have.length(5);
    for (const r of server.requests) expect(r.headers.host).to.equal(server.origin.replace('http://', ''));
  });

  it('fails as incomplete when the pages hold fewer matches than Bundle.total', async () => {
    server = await startFakeFhirServer(() => ({
      status: 200,
      body: { resourceType: 'Bundle', type: 'searchset', total: 3, entry: [{ resource: encounter('a', 'w1') }] },
    }));
    await expectRejection(readBack(server.origin, { Encounter: ['w1', 'w2', 'w3'] }), /incomplete search result \(1 of 3\)/);
  });

  it('fails rather than page forever: a next link back to an earlier page, or more than maxPages pages', async () => {
    server = await startFakeFhirServer((req) => ({
      status: 200,
      body: { resourceType: 'Bundle', type: 'searchset', link: [{ relation: 'next', url: `http://elsewhere${req.url}` }], entry: [] },
    }));
    await expectRejection(readBack(server.origin, { Encounter: ['w1'] }), /links back to an earlier page/);
    await server.close();
    let n = 0;
    server = await startFakeFhirServer(() => ({
      status: 200,
      body: { resourceType: 'Bundle', type: 'searchset', link: [{ relation: 'next', url: `/Encounter?page=${++n}` }], entry: [] },
    }));
    await expectRejection(readBack(server.origin, { Encounter: ['w1'] }, { maxPages: 3 }), /more than 3 pages/);
    expect(server.requests).to.have.length(3);
  });

  it('fails whole when a later page does not answer 200 with a Bundle', async () => {
    server = await startFakeFhirServer((req) =>
      req.url.includes('page=2')
        ? { status: 410, body: { resourceType: 'OperationOutcome', issue: [{ severity: 'error', code: 'not-found', diagnostics: 'search expired' }] } }
        : { status: 200, body: { resourceType: 'Bundle', type: 'searchset', link: [{ relation: 'next', url: '/Encounter?page=2' }], entry: [] } },
    );
    await expectRejection(readBack(server.origin, { Encounter: ['w1'] }), /answered 410/);
    await server.close();
    server = await startFakeFhirServer(() => ({ status: 200, headers: { 'content-type': 'text/html' }, body: '<html>proxy error</html>' }));
    await expectRejection(readBack(server.origin, { Encounter: ['w1'] }), /not JSON/);
  });

  it('counts a resource that shows on two pages once', async () => {
    server = await startFakeFhirServer((req) => ({
      status: 200,
      body: {
        resourceType: 'Bundle',
        type: 'searchset',
        link: req.url.includes('page=2') ? [] : [{ relation: 'next', url: '/Encounter?page=2' }],
        entry: [{ resource: encounter('a', 'w1') }],
      },
    }));
    expect(await readBack(server.origin, { Encounter: ['w1'] })).to.deep.equal([{ writeId: 'w1', resourceId: 'a', resourceType: 'Encounter' }]);
    expect(server.requests).to.have.length(2);
    expect(askedIds(server.requests[0]!)).to.deep.equal(['w1']);
  });

  it('never goes anywhere but loopback', async () => {
    await expectRejection(readBack('http://10.1.2.3:8080/fhir', { Encounter: ['w1'] }), /not a loopback/);
  });
});

async function expectRejection(p: Promise<unknown>, message: RegExp): Promise<void> {
  try {
    await p;
  } catch (err) {
    expect((err as Error).message).to.match(message);
    return;
  }
  expect.fail(`expected a rejection matching ${message}`);
}
