import { expect } from 'chai';
import { entryIdentity, entryStatus, parseLocation, versionFromETag, writtenIdentity } from '../../../harness/fhir/written-identity.js';

describe('fhir: which resource a write wrote, as any R4 server may say it', () => {
  it('reads Location absolute or relative, with or without _history, on any base', () => {
    const cases: [string | undefined, object | undefined][] = [
      ['http://127.0.0.1:4100/Encounter/abc-1/_history/1', { id: 'abc-1', versionId: '1' }], // our EPJ
      ['http://hapi.internal:8080/fhir/Encounter/123/_history/2', { id: '123', versionId: '2' }],
      ['Encounter/123/_history/2', { id: '123', versionId: '2' }],
      ['http://hapi.internal:8080/fhir/Encounter/123', { id: '123' }],
      ['https://x/fhir/Encounter/123/_history/v.b-2', { id: '123', versionId: 'v.b-2' }], // a versionId is an id, not a number
      ['http://x/fhir/Patient/123/_history/2', undefined], // not the type written
      ['http://x/fhir/Encounter?identifier=a|b', undefined],
      [undefined, undefined],
    ];
    for (const [location, want] of cases) expect(parseLocation(location, 'Encounter'), String(location)).to.deep.equal(want);
  });

  it('reads weak and strong ETags', () => {
    expect(versionFromETag('W/"3"')).to.equal('3');
    expect(versionFromETag('"3"')).to.equal('3');
    expect(versionFromETag('garbage')).to.equal(undefined);
  });

  it('takes the id from the body only when the body is the resource, else from Location; the version from ETag last', () => {
    const cases: [string, Parameters<typeof writtenIdentity>[0], object | undefined][] = [
      ['201 with the resource (our EPJ)', { body: { resourceType: 'Basic', id: 'b1', meta: { versionId: '1' } }, location: 'http://127.0.0.1:1/Basic/b1/_history/1' }, { id: 'b1', versionId: '1' }],
      ['201 without a body (return=minimal)', { location: 'http://hapi:8080/fhir/Basic/7/_history/1' }, { id: '7', versionId: '1' }],
      ['201 with an OperationOutcome (return=OperationOutcome)', { body: { resourceType: 'OperationOutcome', id: 'oo' }, location: 'Basic/7/_history/1' }, { id: '7', versionId: '1' }],
      ['200 from a conditional create, body without meta', { body: { resourceType: 'Basic', id: 'b9' }, etag: 'W/"4"' }, { id: 'b9', versionId: '4' }],
      ['no body and no Location', { etag: 'W/"1"' }, undefined],
      ['an OperationOutcome and no Location', { body: { resourceType: 'OperationOutcome', id: 'oo' } }, undefined],
    ];
    for (const [name, res, want] of cases) expect(writtenIdentity(res, 'Basic'), name).to.deep.equal(want);
  });

  it('reads transaction-response entries: response.location first, then the resource, then fullUrl', () => {
    // our EPJ: absolute fullUrl and relative location
    expect(entryIdentity({ fullUrl: 'http://127.0.0.1:1/Patient/p1', response: { status: '201 Created', location: 'Patient/p1/_history/1' } }, 'Patient')).to.deep.equal({
      id: 'p1',
      versionId: '1',
    });
    // HAPI-like: no fullUrl, absolute location on its own base
    expect(entryIdentity({ response: { status: '201 Created', location: 'http://hapi:8080/fhir/Patient/42/_history/1', etag: 'W/"1"' } }, 'Patient')).to.deep.equal({
      id: '42',
      versionId: '1',
    });
    expect(entryIdentity({ resource: { resourceType: 'Patient', id: '43' }, response: { status: '201' } }, 'Patient')).to.deep.equal({ id: '43' });
    expect(entryIdentity({ fullUrl: 'urn:uuid:0a9f', response: { status: '201 Created' } }, 'Patient')).to.equal(undefined);
    expect(entryStatus({ response: { status: '201 Created' } })).to.equal(201);
    expect(entryStatus({ response: { status: '200' } })).to.equal(200);
    expect(entryStatus({})).to.be.NaN;
  });
});
