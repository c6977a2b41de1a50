import { expect } from 'chai';
import { matchEntries, nextPageUrl } from '../../../harness/fhir/search-paging.js';

describe('fhir: following a searchset’s next link on the harness’s own base URL', () => {
  const ours = 'http://127.0.0.1:41001/fhir';
  const page = (self: string | undefined, next: string | undefined) => ({
    resourceType: 'Bundle',
    link: [...(self ? [{ relation: 'self', url: self }] : []), ...(next ? [{ relation: 'next', url: next }] : [])],
  });

  it('has none on the last page', () => {
    expect(nextPageUrl(page('http://h/fhir/Encounter?x=1', undefined), `${ours}/Encounter?x=1`, ours, 'Encounter')).to.equal(undefined);
    expect(nextPageUrl({}, `${ours}/Encounter`, ours, 'Encounter')).to.equal(undefined);
  });

  it('puts the link on our origin and keeps its path and query as the server wrote them', () => {
    const cases: [string | undefined, string, string, string][] = [
      // [self, next, our base, want]
      ['http://hapi.internal:8080/fhir/Encounter?identifier=a', 'http://hapi.internal:8080/fhir?_getpages=abc&_getpagesoffset=20&_count=20', ours, `${ours}?_getpages=abc&_getpagesoffset=20&_count=20`],
      [undefined, 'http://hapi.internal:8080/fhir?_getpages=abc', ours, `${ours}?_getpages=abc`],
      // the server serves at / behind our /fhir (or the other way round): the base path is mapped via the self link
      ['http://backend/Encounter?identifier=a', 'http://backend/Encounter?identifier=a&_offset=10', ours, `${ours}/Encounter?identifier=a&_offset=10`],
      ['http://backend/r4/Encounter/_search?identifier=a', 'http://backend/r4?page=2', 'http://127.0.0.1:41001', 'http://127.0.0.1:41001/?page=2'],
      // relative links resolve against the page they came from
      [undefined, '/Encounter?page=2', 'http://127.0.0.1:41001', 'http://127.0.0.1:41001/Encounter?page=2'],
    ];
    for (const [self, next, base, want] of cases) {
      expect(nextPageUrl(page(self, next), `${base}/Encounter?identifier=a`, base, 'Encounter'), next).to.equal(want);
    }
  });

  it('counts only matches: not included resources, not an OperationOutcome', () => {
    const entries = [{ search: { mode: 'match' } }, {}, { search: { mode: 'include' } }, { search: { mode: 'outcome' } }];
    expect(matchEntries(entries)).to.deep.equal([{ search: { mode: 'match' } }, {}]);
    expect(matchEntries(undefined)).to.deep.equal([]);
  });
});
