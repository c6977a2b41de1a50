import { expect } from 'chai';
import { splitBrain, type PresentWrite, type SiteReadBack } from '../../../harness/checkers/index.js';
import type { ActionEffect, NewEvent, WriteEvent } from '../../../harness/history/events.js';
import { parseStackDefinition, type StackDefinitionInput } from '../../../harness/stack/definition.js';
import { referenceStack } from '../../../harness/stack/reference-stack.js';
import { at, historyOf } from './fixtures.js';

/**
 * Constructed histories of a failover under load: writes through the EPJ front door (repointed to B by the
 * failover) and through site A's own door (never repointed), with the failover's proof as
 * harness/actions/action.ts writes it: "<effect> at <ISO instant>" joined by "; ".
 */

const def = parseStackDefinition(referenceStack());
const observed = (what: string, second: number) => `${what} at ${new Date(at(second)).toISOString()}`;
/** the structured effects harness/actions/action.ts records beside the proof's words; the checker reads these */
const promoted = (container: string, second: number, notBefore: number): ActionEffect => ({ kind: 'promoted', container, at: at(second), notBefore: at(notBefore) });
const repointed = (link: string, container: string, port: number, second: number, notBefore: number): ActionEffect => ({
  kind: 'repointed',
  link,
  container,
  port,
  at: at(second),
  notBefore: at(notBefore),
});

/** failover#1 from second 10 to 12: promotion observed at 10.5, b-epj writable at 11, epj-front repointed at 11.2 */
function failoverEvents(fenced: boolean, id = 'failover#1'): NewEvent[] {
  const proof = [
    fenced ? observed('a-epj fenced (mode standby)', 10.1) : 'a-epj not fenced (fence: false)',
    `b-db before promotion: received 0/3000148, replayed 0/3000148, last replayed commit ${new Date(at(9.9)).toISOString()}, WAL receiver streaming`,
    observed('b-db promoted (pg_is_in_recovery=false)', 10.5),
    observed('b-epj writable (/healthz mode readwrite, db writable)', 11),
    observed('epj-front → b-epj:8080', 11.2),
    observed('POST Patient through the front door → 201 at site B (Patient/p1)', 11.4),
    'took 2000 ms',
  ].join('; ');
  return [
    { kind: 'action', id, action: 'failover', stage: 'started', t: at(10) },
    { kind: 'action', id, action: 'failover', stage: 'completed', detail: proof, effects: [promoted('b-db', 10.5, 9.9), repointed('epj-front', 'b-epj', 8080, 11.2, 11)], t: at(12) },
  ];
}

function ack(writeId: string, second: number, via: string | undefined, fn: WriteEvent['fn'] = 'clinical-note'): NewEvent {
  return {
    kind: 'write',
    fn,
    writeId,
    resourceType: fn === 'admission' ? 'Encounter' : 'DocumentReference',
    outcome: 'acknowledged',
    resourceId: `r-${writeId}`,
    t: at(second),
    ...(via ? { via } : {}),
  };
}

function refused(writeId: string, second: number, via: string): NewEvent {
  return { kind: 'write', fn: 'clinical-note', writeId, resourceType: 'DocumentReference', outcome: 'unknown', status: 503, t: at(second), via };
}

const presentAt = (...writeIds: string[]): PresentWrite[] => writeIds.map((w) => ({ writeId: w, resourceId: `r-${w}`, resourceType: 'DocumentReference' }));

/** An unfenced failover: A keeps answering through its own door, and through the EPJ front door until the repoint. */
function unfenced(): NewEvent[] {
  return [
    ...failoverEvents(false),
    ack('before', 9, 'epj-front'), // before the promotion: not the split brain's business
    ack('stale-early', 10.4, 'a-epj-front'), // before the promotion was observed: not counted
    ack('stale-1', 10.6, 'a-epj-front', 'admission'),
    ack('front-at-a', 10.8, 'epj-front'), // the front door still led to A
    ack('mid-repoint', 11.1, 'epj-front'), // inside the repoint's gap (11, 11.2]
    ack('front-at-b', 11.3, 'epj-front'),
    refused('refused-at-b', 11.5, 'epj-front'),
    ack('late-answer', 10.7, 'a-epj-front'), // answered after the promotion, but committed before it: B has it
    ack('stale-2', 13, 'a-epj-front'),
  ];
}

const bothSites = (): SiteReadBack => ({
  a: presentAt('before', 'stale-early', 'stale-1', 'front-at-a', 'stale-2', 'late-answer'),
  b: presentAt('before', 'stale-early', 'mid-repoint', 'front-at-b', 'late-answer'),
});

describe('checkers: split brain', () => {
  it('names every write site A acknowledged after B was promoted, by function, door and time, confirmed at both sites', () => {
    const r = splitBrain(historyOf(unfenced()), def, bothSites());
    expect(r.promotions).to.deep.equal([{ container: 'b-db', site: 'b', at: at(10.5), action: 'failover#1' }]);
    expect(r.repoints).to.deep.equal([{ link: 'epj-front', container: 'b-epj', site: 'b', notBefore: at(11), at: at(11.2), action: 'failover#1' }]);
    expect(r.divergent.map((d) => [d.writeId, d.fn, d.via, d.site, d.primarySite, d.placedBy, d.atSite, d.atPrimary])).to.deep.equal([
      ['stale-1', 'admission', 'a-epj-front', 'a', 'b', 'door', true, false],
      ['front-at-a', 'clinical-note', 'epj-front', 'a', 'b', 'door', true, false],
      ['stale-2', 'clinical-note', 'a-epj-front', 'a', 'b', 'door', true, false],
    ]);
    expect(r.divergent[0]).to.include({ resourceType: 'Encounter', resourceId: 'r-stale-1', acknowledgedAt: at(10.6) });
    expect(r.counts).to.deep.equal({ primary: 2, divergent: 3, 'reached-primary': 1, unplaced: 0 });
    expect(r.divergentByFunction).to.deep.equal({ admission: 1, 'clinical-note': 2 });
    expect(r.divergentByDoor).to.deep.equal({ 'a-epj-front': 2, 'epj-front': 1 });
    expect(r.window).to.deep.equal({ from: at(10.6), to: at(13) });
    expect(r.verdict.status).to.equal('fail');
    expect(r.verdict.summary).to.match(/^3 of 6 writes acknowledged after the promotion were acknowledged by site a while site b held the primary/);
    expect(r.verdict.summary).to.contain('by function: admission 1, clinical-note 2').and.contain('3 confirmed by read-back');
  });

  it('without a read-back: places writes by their door alone; one answered inside the repoint gap stays unplaced', () => {
    const r = splitBrain(historyOf(unfenced()), def);
    expect(r.divergent.map((d) => [d.writeId, d.atSite, d.atPrimary])).to.deep.equal([
      ['stale-1', null, null],
      ['late-answer', null, null], // only the read-back can tell a late answer from a divergence
      ['front-at-a', null, null],
      ['stale-2', null, null],
    ]);
    expect(r.unplaced).to.have.length(1);
    expect(r.unplaced[0]).to.include({ writeId: 'mid-repoint', via: 'epj-front' });
    expect(r.unplaced[0]!.why).to.match(/while epj-front was being repointed to b-epj/);
    expect(r.verdict.status).to.equal('fail');
  });

  it('passes a fenced failover: A refused everything after the fence, B acknowledged after the repoint', () => {
    const h = historyOf([
      ...failoverEvents(true),
      ack('before', 9, 'epj-front'),
      refused('stale-1', 10.6, 'a-epj-front'),
      refused('front-1', 10.8, 'epj-front'),
      ack('mid-repoint', 11.1, 'epj-front'),
      ack('front-at-b', 11.3, 'epj-front'),
      refused('stale-2', 13, 'a-epj-front'),
    ]);
    const r = splitBrain(h, def, { a: presentAt('before'), b: presentAt('before', 'mid-repoint', 'front-at-b') });
    expect(r.divergent).to.deep.equal([]);
    expect(r.counts).to.deep.equal({ primary: 2, divergent: 0, 'reached-primary': 0, unplaced: 0 });
    expect(r.verdict.status).to.equal('pass');
    expect(r.verdict.summary).to.match(/^all 2 writes acknowledged after the promotion came from the primary's site/);
    // without the read-back the write in the repoint's gap cannot be placed: unknown, not pass
    expect(splitBrain(h, def).verdict.status).to.equal('unknown');
  });

  it('places writes sent to bare URLs (no door) by the read-back alone', () => {
    const h = historyOf([...failoverEvents(false), ack('only-at-a', 11, undefined), ack('at-b', 12, undefined), ack('nowhere', 13, undefined)]);
    const r = splitBrain(h, def, { a: presentAt('only-at-a'), b: presentAt('at-b') });
    expect(r.divergent.map((d) => [d.writeId, d.site, d.placedBy, d.via])).to.deep.equal([['only-at-a', 'a', 'read-back', null]]);
    expect(r.unplaced.map((u) => [u.writeId, u.why])).to.deep.equal([['nowhere', 'the write names no front door']]);
    expect(r.counts).to.include({ primary: 1, divergent: 1, unplaced: 1 });
  });

  it('is unknown without a promotion, or when a failover’s proof names none', () => {
    const quiet = splitBrain(historyOf([ack('w', 1, 'epj-front')]), def);
    expect(quiet.verdict.status).to.equal('unknown');
    expect(quiet.verdict.summary).to.match(/no promotion in the history/);

    const odd = historyOf([
      { kind: 'action', id: 'failover#1', action: 'failover', stage: 'started', t: at(10) },
      { kind: 'action', id: 'failover#1', action: 'failover', stage: 'completed', detail: 'something else happened; took 5 ms', t: at(12) },
      ack('w', 13, 'a-epj-front'),
    ]);
    const r = splitBrain(odd, def);
    expect(r.verdict.status).to.equal('unknown');
    expect(r.verdict.summary).to.equal('failover#1 completed but its proof names no promotion');
  });

  it('is unknown when nothing was acknowledged after the promotion (silence is no evidence)', () => {
    const r = splitBrain(historyOf([...failoverEvents(true), ack('before', 9, 'epj-front'), refused('after', 13, 'a-epj-front')]), def);
    expect(r.verdict.status).to.equal('unknown');
    expect(r.verdict.summary).to.equal('no write was acknowledged after the promotion');
  });

  it('counts a promotion a failed failover did before failing', () => {
    const detail =
      'Toxiproxy epj-front: upstream is a-epj:8080, not b-epj:8080 (after 900 ms; done before failing: a-epj not fenced (fence: false); ' +
      `${observed('b-db promoted (pg_is_in_recovery=false)', 10.5)}; ${observed('b-epj writable (/healthz mode readwrite, db writable)', 11)})`;
    const h = historyOf([
      { kind: 'action', id: 'failover#1', action: 'failover', stage: 'started', t: at(10) },
      { kind: 'action', id: 'failover#1', action: 'failover', stage: 'failed', detail, effects: [promoted('b-db', 10.5, 10)], t: at(12) },
      ack('front-still-at-a', 13, 'epj-front'),
    ]);
    const r = splitBrain(h, def);
    expect(r.promotions.map((p) => [p.container, p.at])).to.deep.equal([['b-db', at(10.5)]]);
    expect(r.repoints).to.deep.equal([]);
    expect(r.divergent.map((d) => [d.writeId, d.site])).to.deep.equal([['front-still-at-a', 'a']]);
  });

  it('follows a failback: after a-db is promoted again, A is the primary and B would be the old site', () => {
    const failback = [
      observed('a-epj fenced (mode standby)', 20),
      observed('b-epj standby, writes stopped at b-db LSN 0/5000000', 26),
      observed('a-db promoted (pg_is_in_recovery=false)', 28),
      observed('a-epj writable (/healthz mode readwrite, db writable)', 29),
      observed('epj-front → a-epj:8080', 29.5),
    ].join('; ');
    const h = historyOf([
      ...failoverEvents(false),
      { kind: 'action', id: 'failback#1', action: 'failback', stage: 'started', t: at(19) },
      { kind: 'action', id: 'failback#1', action: 'failback', stage: 'completed', detail: failback, effects: [promoted('a-db', 28, 26), repointed('epj-front', 'a-epj', 8080, 29.5, 29)], t: at(30) },
      ack('stale-between', 15, 'a-epj-front'),
      ack('b-between', 15, 'epj-front'),
      ack('a-again', 31, 'epj-front'),
      ack('a-door-again', 31, 'a-epj-front'),
    ]);
    const r = splitBrain(h, def);
    expect(r.promotions.map((p) => p.site)).to.deep.equal(['b', 'a']);
    expect(r.repoints.map((p) => [p.container, p.notBefore, p.at])).to.deep.equal([
      ['b-epj', at(11), at(11.2)],
      ['a-epj', at(29), at(29.5)],
    ]);
    expect(r.divergent.map((d) => d.writeId)).to.deep.equal(['stale-between']);
    expect(r.counts).to.include({ primary: 3, divergent: 1 });
  });

  it('reads sites from the definition, whatever the stack calls its parts', () => {
    const vendor: StackDefinitionInput = {
      name: 'vendor',
      sites: [{ id: 'north', name: 'N' }, { id: 'south', name: 'S' }],
      containers: [
        { name: 'pg-main', site: 'north', role: 'database', image: 'i' },
        { name: 'pg-copy', site: 'south', role: 'database', image: 'i' },
        { name: 'ehr-n', site: 'north', role: 'app', image: 'i' },
        { name: 'ehr-s', site: 'south', role: 'app', image: 'i' },
      ],
      links: [
        { name: 'ehr-web', kind: 'front-door', listenPort: 9000, upstream: { container: 'ehr-n', port: 80 }, publish: true },
        { name: 'ehr-north-direct', kind: 'front-door', listenPort: 9001, upstream: { container: 'ehr-n', port: 80 }, publish: true },
      ],
      functions: { 'clinical-note': { link: 'ehr-web' } },
    };
    const proof = [observed('pg-copy promoted (pg_is_in_recovery=false)', 10.5), observed('ehr-web → ehr-s:80', 11)].join('; ');
    const h = historyOf([
      { kind: 'action', id: 'failover#1', action: 'failover', stage: 'started', t: at(10) },
      { kind: 'action', id: 'failover#1', action: 'failover', stage: 'completed', detail: proof, effects: [promoted('pg-copy', 10.5, 10), repointed('ehr-web', 'ehr-s', 80, 11, 10.5)], t: at(12) },
      ack('direct', 12, 'ehr-north-direct'),
      ack('web', 12, 'ehr-web'),
    ]);
    const r = splitBrain(h, parseStackDefinition(vendor));
    expect(r.divergent.map((d) => [d.writeId, d.site, d.primarySite])).to.deep.equal([['direct', 'north', 'south']]);
    expect(r.counts.primary).to.equal(1);
  });
});
