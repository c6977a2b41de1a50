import { expect } from 'chai';
import { History } from '../../../harness/history/history.js';
import { sleep } from '../../../harness/stack/wait/poll.js';
import { runLoad } from '../../../harness/workload/driver.js';
import { defaultProfile, onlyFunctions } from '../../../harness/workload/profile.js';
import { LoadWatermark, type ReportingLoad } from '../../../harness/workload/watermark.js';
import { startFakeFhirServer, type FakeFhirServer } from './fake-fhir-server.js';

describe('workload: waiting on the loads\' watermark', () => {
  const load = (state: { upTo: number }): ReportingLoad => ({
    reportedBefore: () => state.upTo,
    closeBefore: (t) => state.upTo >= t,
  });

  it('waits until every attached load has reported past the instant', async () => {
    const w = new LoadWatermark();
    const a = { upTo: 0 };
    const b = { upTo: 0 };
    w.attach(load(a));
    const detachB = w.attach(load(b));
    const t = Date.now();
    setTimeout(() => (a.upTo = t), 30);
    setTimeout(() => (b.upTo = t), 80);
    const began = Date.now();
    expect(await w.reported(t, { capMs: 2_000 })).to.equal(true);
    expect(Date.now() - began).to.be.at.least(75);
    // a load that ended is no longer waited for
    b.upTo = 0;
    detachB();
    expect(await w.recorded(t, { capMs: 2_000 })).to.equal(true);
  });

  it('gives up at the cap, and never passes with a load that reports no watermark (k6)', async () => {
    const w = new LoadWatermark();
    w.attach(load({ upTo: 0 }));
    expect(await w.reported(Date.now(), { capMs: 60 })).to.equal(false);
    const blind = new LoadWatermark();
    blind.attach(load({ upTo: Number.POSITIVE_INFINITY }));
    blind.attachBlind();
    const began = Date.now();
    expect(await blind.recorded(0, { capMs: 60 })).to.equal(false);
    expect(Date.now() - began).to.be.at.least(55);
  });

  it('stops waiting when aborted', async () => {
    const w = new LoadWatermark();
    w.attach(load({ upTo: 0 }));
    const stop = new AbortController();
    setTimeout(() => stop.abort(), 20);
    expect(await w.reported(Date.now(), { capMs: 5_000, signal: stop.signal })).to.equal(false);
  });
});

/**
 * epj-load's own watermark, end to end: a bucket before an instant is recorded as soon as every attempt started
 * in it has been answered — not before, however long one is held. A FHIR stand-in on 127.0.0.1 holds the clinical
 * notes that arrive while `hold` is on until it is released.
 */
describe('workload: epj-load reports how far it has answered', function () {
  this.timeout(30_000);
  let server: FakeFhirServer;
  let hold = false;
  const held: Array<() => void> = [];

  before(async () => {
    let id = 0;
    server = await startFakeFhirServer(() => {
      id += 1;
      return { status: 201, headers: { location: `DocumentReference/${id}/_history/1` }, body: { resourceType: 'DocumentReference', id: String(id) } };
    }, undefined, () => (hold ? new Promise<void>((resolve) => held.push(resolve)) : undefined));
  });
  after(async () => server?.close());

  it('closes a window only after its held attempts are answered, then at once', async () => {
    const history = new History();
    const watermark = new LoadWatermark();
    const stop = new AbortController();
    const patients = [{ patientId: 'p1', cpr: '0100001234' }];
    const load = runLoad({ endpoints: { 'clinical-note': server.origin }, history, patients, profile: onlyFunctions({ ...defaultProfile, 'clinical-note': 20 }, ['clinical-note']), durationMs: 0, timeoutMs: 8_000, selfWatch: false, signal: stop.signal, watermark });
    try {
      await sleep(600);
      hold = true;
      await sleep(500);
      const t = Date.now();
      hold = false;
      let done = false;
      const recorded = watermark.recorded(t, { capMs: 20_000 }).then((ok) => ((done = true), ok));
      await sleep(1_500); // well past the end of t's bucket
      expect(held.length, 'attempts held by the stand-in').to.be.at.least(3);
      expect(done, 'recorded while attempts started before it were still held').to.equal(false);
      const releasedAt = Date.now();
      for (const release of held.splice(0)) release();
      expect(await recorded).to.equal(true);
      const waited = Date.now() - releasedAt;
      console.log(`      recorded ${waited} ms after the held attempts were answered`);
      const before = history.ofKind('requests').filter((b) => b.bucket < t);
      const attempts = before.reduce((s, b) => s + b.attempts, 0);
      expect(before.reduce((s, b) => s + b.successes, 0), 'every attempt before t answered, and in the history').to.equal(attempts);
      expect(attempts).to.be.at.least(15);
    } finally {
      stop.abort();
      await load;
    }
  });
});
