import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { HarnessError } from '../../../harness/errors.js';
import { PROJECT_ROOT } from '../../../harness/images/catalog.js';
import { blacklistCidrs, cidrContains, IPV4_EXCEPT_LOOPBACK, IPV6_EXCEPT_LOOPBACK } from '../../../harness/workload/k6/blacklist.js';
import { errorForK6Exit } from '../../../harness/workload/k6/exit-codes.js';
import { causeOf, K6PointFolder, parseK6Line, parseK6Time } from '../../../harness/workload/k6/lines.js';
import type { LoadAttempt } from '../../../harness/workload/lines.js';

/**
 * The folding of k6's `--out json` lines into attempts, on k6-shaped lines (test/fixtures/k6/sample.ndjson, written
 * after k6's internal/output/json and lib/netext/httpext). Never against a real k6: it cannot be installed here.
 */
describe('workload: k6 output lines', () => {
  const sample = readFileSync(path.join(PROJECT_ROOT, 'test/fixtures/k6/sample.ndjson'), 'utf8').split('\n').filter(Boolean);

  function foldAll(lines: string[]): { attempts: LoadAttempt[]; folder: K6PointFolder } {
    const folder = new K6PointFolder();
    const attempts = lines.flatMap((l, i) => folder.line(l, i + 1));
    attempts.push(...folder.finish());
    return { attempts, folder };
  }

  it('parses Go RFC 3339 instants to epoch ms, keeping the sub-millisecond digits and the offset', () => {
    expect(parseK6Time('2026-03-02T10:00:02Z')).to.equal(Date.UTC(2026, 2, 2, 10, 0, 2));
    expect(parseK6Time('2026-03-02T10:00:01.25Z')).to.equal(Date.UTC(2026, 2, 2, 10, 0, 1, 250));
    expect(parseK6Time('2026-03-02T10:00:01.123456789Z')).to.be.closeTo(Date.UTC(2026, 2, 2, 10, 0, 1, 123) + 0.456789, 1e-6);
    expect(parseK6Time('2026-03-02T11:00:00.5+01:00')).to.equal(Date.UTC(2026, 2, 2, 10, 0, 0, 500));
    expect(parseK6Time('yesterday')).to.equal(undefined);
  });

  it('makes one attempt per tagged request, started at end − blocked − duration', () => {
    const { attempts } = foldAll(sample);
    const requests = attempts.filter((a) => a.cause !== 'not-sent');
    expect(requests.map((a) => a.fn)).to.deep.equal(['journal-lookup', 'admission', 'clinical-note', 'referral', 'e-prescription', 'discharge', 'journal-lookup', 'read-only-lookup']);
    const first = requests[0]!;
    expect(first.t).to.equal(Date.UTC(2026, 2, 2, 10, 0, 1, 250));
    expect(first.start).to.be.closeTo(Date.UTC(2026, 2, 2, 10, 0, 1, 250) - 0.75 - 12.5, 1e-6);
    expect(first.latencyMs).to.equal(13.25);
    expect(first).to.include({ ok: true, status: 200, cause: null });
    // the timeout started 2 s before k6 gave up: it belongs to the second it was sent in, not the one it ended in
    const timeout = requests[3]!;
    expect(timeout.t).to.be.closeTo(Date.UTC(2026, 2, 2, 9, 0, 4, 100) + 0.2, 1e-6);
    expect(timeout.start).to.be.closeTo(Date.UTC(2026, 2, 2, 9, 0, 2, 100), 1e-6);
  });

  it('tells the causes apart by status and k6 error_code', () => {
    const { attempts } = foldAll(sample);
    const byFn = (fn: string) => attempts.filter((a) => a.fn === fn && a.cause !== 'not-sent');
    expect(byFn('clinical-note')[0]).to.include({ ok: false, status: 503, cause: 'http-5xx' });
    expect(byFn('referral')[0]).to.include({ ok: false, status: 0, cause: 'timeout' });
    expect(byFn('e-prescription')[0]).to.include({ ok: false, cause: 'refused' });
    expect(byFn('discharge')[0]).to.include({ ok: false, cause: 'reset' });
    expect(byFn('journal-lookup')[1]).to.include({ ok: false, status: 404, cause: 'http-4xx' });
    expect(byFn('read-only-lookup')[0]).to.include({ ok: false, cause: 'reset', detail: 'EOF' });
    expect(causeOf(302, undefined, undefined)).to.equal(null);
    expect(causeOf(0, 1211, 'dial: i/o timeout')).to.equal('timeout');
    expect(causeOf(0, 1201, 'write: broken pipe')).to.equal('reset');
    expect(causeOf(0, 1110, 'ip is blacklisted')).to.equal('other');
    expect(causeOf(0, undefined, 'something new')).to.equal('other');
  });

  it('records a write from the write id (tag or metadata) and the resource type tag', () => {
    const { attempts } = foldAll(sample);
    const writes = attempts.filter((a) => a.write);
    expect(writes).to.have.length(1);
    expect(writes[0]!.write).to.deep.equal({ writeId: 'w-1', resourceType: 'Encounter', outcome: 'acknowledged' });
  });

  it('turns dropped_iterations into not-sent attempts at their instant, where the scenario names the function', () => {
    const { attempts, folder } = foldAll(sample);
    const notSent = attempts.filter((a) => a.cause === 'not-sent');
    expect(notSent).to.have.length(1);
    expect(notSent[0]).to.include({ fn: 'admission', ok: false, latencyMs: 0, start: Date.UTC(2026, 2, 2, 10, 0, 8) });
    expect(folder.stats.droppedIterations).to.equal(2);
    expect(folder.stats.droppedUnattributed).to.equal(1);
  });

  it('ignores requests of unknown functions and untagged ones, and counts them', () => {
    const { folder } = foldAll(sample);
    expect(folder.stats.unknownFunctions).to.deep.equal({ billing: 2 });
    expect(folder.stats.untagged).to.equal(1);
  });

  it('takes the function from a custom tag name when told', () => {
    const line = sample.find((l) => l.includes('"metric":"http_req_duration"') && l.includes('journal-lookup'))!.replace('"epj_function"', '"fn"');
    const blocked = sample.find((l) => l.includes('"metric":"http_req_blocked"') && l.includes('journal-lookup'))!.replace('"epj_function"', '"fn"');
    const folder = new K6PointFolder({ functionTag: 'fn' });
    expect(folder.line(line, 1)).to.deep.equal([]);
    expect(folder.line(blocked, 2).map((a) => a.fn)).to.deep.equal(['journal-lookup']);
  });

  it('rejects a malformed line with an error naming its number', () => {
    const folder = new K6PointFolder();
    folder.line(sample[0]!, 1);
    const bad = (text: string, problem: RegExp) => {
      try {
        folder.line(text, 42);
        expect.fail('no error');
      } catch (err) {
        expect(err).to.be.instanceOf(HarnessError);
        expect((err as HarnessError).code).to.equal('workload-malformed-line');
        expect((err as Error).message).to.match(/line 42/).and.to.match(problem);
      }
    };
    bad('{"type":"Point","metric":"http_req_duration","data":{"time":"2026-03-02T10:00:02Z"', /not JSON/);
    bad('[1,2]', /not a JSON object/);
    bad('{"type":"Point","metric":"http_req_duration","data":{"time":"tuesday","value":1,"tags":{}}}', /RFC 3339/);
    bad('{"type":"Point","metric":"http_req_duration","data":{"time":"2026-03-02T10:00:02Z","value":"1","tags":{}}}', /value/);
    bad('{"type":"Point","data":{"time":"2026-03-02T10:00:02Z","value":1,"tags":{}}}', /metric/);
    expect(parseK6Line('{"type":"Summary","metric":"x"}', 3)).to.deep.equal({ type: 'other', envelope: 'Summary' });
  });

  it('blocks all of IPv4 but 127.0.0.0/8 and all of IPv6 but ::1', () => {
    expect(IPV4_EXCEPT_LOOPBACK).to.include.members(['128.0.0.0/1', '0.0.0.0/2', '126.0.0.0/8']);
    expect(IPV6_EXCEPT_LOOPBACK).to.have.length(128);
    const all = blacklistCidrs();
    const blocked = (ip: string) => all.some((c) => cidrContains(c, ip));
    for (const ip of ['0.0.0.0', '10.0.0.1', '126.255.255.255', '128.0.0.0', '172.17.0.2', '192.168.1.1', '255.255.255.255', '8.8.8.8']) expect(blocked(ip), ip).to.equal(true);
    for (const ip of ['127.0.0.1', '127.255.255.254']) expect(blocked(ip), ip).to.equal(false);
    for (const ip of ['::', '::2', '::ffff:a00:1', 'fe80::1', '2001:db8::1', 'ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff']) expect(blocked(ip), ip).to.equal(true);
    expect(blocked('::1')).to.equal(false);
  });

  it('names k6 exit codes, and accepts ExternalAbort only when the harness stopped k6', () => {
    expect(errorForK6Exit(0, null, false, '')).to.equal(undefined);
    expect(errorForK6Exit(105, null, true, '')).to.equal(undefined);
    expect(errorForK6Exit(105, null, false, '')?.message).to.match(/ExternalAbort/);
    expect(errorForK6Exit(107, null, false, '')?.message).to.match(/107 \(ScriptException/);
    expect(errorForK6Exit(104, null, false, '')?.code).to.equal('invalid-input');
    expect(errorForK6Exit(3, null, false, '')?.message).to.match(/not one of k6/);
  });
});
