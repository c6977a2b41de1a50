import { expect } from 'chai';
import { HarnessError } from '../../../harness/errors.js';
import { MalformedLineError, parseLoadLine } from '../../../harness/workload/lines.js';

describe('workload: epj-load NDJSON lines', () => {
  const write = { writeId: 'b7e0c1d2-0000-4000-8000-000000000001', resourceType: 'Encounter', resourceId: '42', versionId: '1', outcome: 'acknowledged' };
  const ok = { t: 1_800_000_000_123, start: 1_800_000_000_110.5, sendLagMs: 0.2, fn: 'admission', ok: true, status: 201, latencyMs: 12.3, cause: null, write };

  it('parses an acknowledged write', () => {
    const l = parseLoadLine(JSON.stringify(ok), 1);
    expect(l).to.deep.equal({ type: 'attempt', attempt: ok });
  });

  it('parses a read without write and a failure with a cause and detail', () => {
    const read = { t: 1_800_000_000_500, start: 1_799_999_998_499.5, sendLagMs: 0, fn: 'journal-lookup', ok: false, status: 0, latencyMs: 2000.5, cause: 'timeout', detail: 'context deadline exceeded' };
    expect(parseLoadLine(JSON.stringify(read), 7)).to.deep.equal({ type: 'attempt', attempt: read });
    const unknown = { ...ok, ok: false, status: 0, cause: 'reset', write: { writeId: 'w', resourceType: 'Encounter', outcome: 'unknown' } };
    expect(parseLoadLine(JSON.stringify(unknown), 8)).to.deep.include({ type: 'attempt' });
  });

  it('parses a skipped arrival (epj-load itself too late to send it)', () => {
    const skip = { fn: 'referral', start: 1_800_000_000_250, lagMs: 163.2 };
    expect(parseLoadLine(JSON.stringify({ skip }), 11)).to.deep.equal({ type: 'skip', skip });
  });

  it('parses a watermark line, and refuses one naming an unknown function or no instant', () => {
    const watermark = { referral: 1_800_000_000_250.125, 'clinical-note': 1_800_000_000_300 };
    expect(parseLoadLine(JSON.stringify({ watermark }), 12)).to.deep.equal({ type: 'watermark', upTo: watermark });
    expect(() => parseLoadLine(JSON.stringify({ watermark: { x: 1_800_000_000_000 } }), 13)).to.throw(MalformedLineError, /line 13 \(watermark of unknown fn "x"\)/);
    expect(() => parseLoadLine(JSON.stringify({ watermark: { referral: 'soon' } }), 14)).to.throw(MalformedLineError, /watermark.referral must be epoch milliseconds/);
  });

  it('parses the summary line', () => {
    const summary = { startedAt: 1, endedAt: 2, durationMs: 1, interrupted: false, functions: { admission: { rate: 9, workers: 31, expected: 9, attempts: 9, skipped: 0, ok: 9, failures: {} } } };
    expect(parseLoadLine(JSON.stringify({ summary }), 10)).to.deep.equal({ type: 'summary', summary });
  });

  const malformed: [string, string, RegExp][] = [
    ['not JSON', '{"t": 1, "fn": ', /not JSON/],
    ['an array', '[1,2]', /not a JSON object/],
    ['an unknown function', JSON.stringify({ ...ok, fn: 'surgery' }), /unknown fn "surgery"/],
    ['a missing t', JSON.stringify({ ...ok, t: undefined }), /t must be epoch/],
    ['a missing start', JSON.stringify({ ...ok, start: undefined }), /start must be epoch/],
    ['a skip of an unknown function', JSON.stringify({ skip: { fn: 'surgery', start: 1, lagMs: 150 } }), /skip.fn/],
    ['a string status', JSON.stringify({ ...ok, status: '201' }), /status/],
    ['a negative latency', JSON.stringify({ ...ok, latencyMs: -1 }), /latencyMs/],
    ['a cause on success', JSON.stringify({ ...ok, cause: 'timeout' }), /cause must be null/],
    ['no cause on failure', JSON.stringify({ ...ok, ok: false, write: undefined }), /cause must be one of/],
    ['an unknown cause', JSON.stringify({ ...ok, ok: false, cause: 'gremlins', write: undefined }), /cause must be one of/],
    ['an unknown outcome', JSON.stringify({ ...ok, write: { ...write, outcome: 'maybe' } }), /write.outcome/],
    ['an acknowledged write without id', JSON.stringify({ ...ok, write: { ...write, resourceId: undefined } }), /needs a resourceId/],
    ['a write without writeId', JSON.stringify({ ...ok, write: { ...write, writeId: '' } }), /writeId/],
    ['a bad summary', JSON.stringify({ summary: { functions: 3 } }), /summary lacks/],
  ];
  for (const [what, text, re] of malformed) {
    it(`rejects ${what}, naming the line number and its start`, () => {
      let err: unknown;
      try {
        parseLoadLine(text, 123);
      } catch (e) {
        err = e;
      }
      expect(err).to.be.instanceOf(MalformedLineError).and.instanceOf(HarnessError);
      const m = (err as MalformedLineError).message;
      expect(m).to.match(/line 123/);
      expect(m).to.match(re);
      expect(m).to.contain(JSON.stringify(text.slice(0, 200)).slice(1, 20));
    });
  }

  it('quotes at most the first 200 characters of a long malformed line', () => {
    const long = 'x'.repeat(5000);
    expect(() => parseLoadLine(long, 9)).to.throw(MalformedLineError).with.property('message').that.has.length.below(400);
  });
});
