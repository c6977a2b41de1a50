import { expect } from 'chai';
import { stalenessAt, stalenessByPhase, stalenessVerdict } from '../../../harness/checkers/index.js';
import type { NewEvent } from '../../../harness/history/events.js';
import { HEARTBEAT_SERIES_SYSTEM, HEARTBEAT_SYSTEM, heartbeatResource, newestHeartbeatIn, newestHeartbeatsQuery } from '../../../harness/probes/heartbeat-resource.js';
import { databasesOf, readOnlyFrontDoor, writeFrontDoor } from '../../../harness/probes/stack-parts.js';
import { parseStackDefinition, type StackDefinitionInput } from '../../../harness/stack/definition.js';
import { referenceStack } from '../../../harness/stack/reference-stack.js';
import { at, historyOf, phase } from './fixtures.js';

/** A staleness sample at second `s` showing the heartbeat written at second `hb` (null: none seen yet). */
function sample(reader: string, s: number, hb: number | null, unreachable = false): NewEvent {
  const t = at(s);
  const heartbeatAt = hb === null ? null : at(hb);
  return {
    kind: 'staleness',
    t,
    reader,
    via: reader === 'b-lookup' ? 'fhir' : 'sql',
    link: reader === 'b-lookup' ? 'lookup-front' : 'b-db-admin',
    heartbeatAt,
    stalenessMs: heartbeatAt === null ? null : t - heartbeatAt,
    unreachable,
    ...(unreachable ? { error: 'connect ECONNREFUSED' } : {}),
  };
}

/**
 * Baseline [0, 4): both readers 0.2 s behind. WAN cut [4, 7.5): the last heartbeat through is 3.9; b-db answers
 * with it, b-lookup's site is unreachable from 5.5 on (same heartbeat, growing). Recovery from 7.5: caught up.
 */
function scenario() {
  const events: NewEvent[] = [phase('baseline', 0), phase('wan-cut', 4), phase('recovery', 7.5)];
  for (let s = 0; s < 10; s += 0.5) {
    const hb = s < 4 ? s - 0.2 : s < 7.5 ? 3.9 : s - 0.2;
    events.push(sample('b-db', s, hb));
    events.push(sample('b-lookup', s + 0.1, hb, s >= 5.5 && s < 7.5));
  }
  return historyOf(events);
}

describe('checkers: staleness', () => {
  it('reports per phase and reader the peak, mean and unreachable samples', () => {
    const report = stalenessByPhase(scenario());
    expect(report.phases.map((p) => p.name)).to.deep.equal(['baseline', 'wan-cut', 'recovery']);
    const cut = report.phases[1]!;
    const db = cut.readers.find((r) => r.reader === 'b-db')!;
    // samples at 4.0 … 7.0 show heartbeat 3.9: peak at 7.0
    expect(db).to.include({ via: 'sql', samples: 7, unreachable: 0, noHeartbeat: 0, peakMs: 3100, peakAt: at(7), lastMs: 3100 });
    expect(db.meanMs).to.equal(Math.round((100 + 600 + 1100 + 1600 + 2100 + 2600 + 3100) / 7));
    const lookup = cut.readers.find((r) => r.reader === 'b-lookup')!;
    expect(lookup).to.include({ via: 'fhir', samples: 7, unreachable: 4, peakMs: 3200, peakAt: at(7.1) });
    expect(report.phases[0]!.readers.map((r) => r.peakMs)).to.deep.equal([200, 300]);
    expect(report.wholeRun.map((r) => r.reader)).to.deep.equal(['b-db', 'b-lookup']);
  });

  it('judges staleness ≤ bound in a phase: pass, fail, and a bound per reader', () => {
    const h = scenario();
    const pass = stalenessVerdict(h, { boundMs: 3500, phases: ['wan-cut'] });
    expect(pass.status).to.equal('pass');
    expect(pass.children!.map((c) => c.summary)).to.deep.equal([
      'b-db (sql): peak 3.1 s ≤ 3.5 s in wan-cut (7 samples)',
      'b-lookup (fhir): peak 3.2 s ≤ 3.5 s in wan-cut (7 samples, 4 unreachable)',
    ]);
    const fail = stalenessVerdict(h, { boundMs: 3500, boundByReader: { 'b-lookup': 3000 }, phases: ['wan-cut'] });
    expect(fail.status).to.equal('fail');
    expect(fail.children!.map((c) => c.status)).to.deep.equal(['pass', 'fail']);
    expect(stalenessVerdict(h, { boundMs: 300, phases: ['baseline', 'recovery'] }).status).to.equal('pass');
    expect(stalenessVerdict(h, { boundMs: 300 }).status, 'whole run').to.equal('fail');
  });

  it('is unknown without evidence: a phase that never started, no samples, no heartbeat seen yet', () => {
    const h = scenario();
    const never = stalenessVerdict(h, { boundMs: 1000, phases: ['site-power'] });
    expect(never.status).to.equal('unknown');
    expect(never.children![0]!.summary).to.equal('phase site-power never started');
    expect(stalenessVerdict(historyOf([phase('baseline', 0)]), { boundMs: 1000 }).status).to.equal('unknown');
    const blind = historyOf([phase('baseline', 0), sample('b-db', 0.5, null), sample('b-db', 1, null)]);
    const v = stalenessVerdict(blind, { boundMs: 1000, phases: ['baseline'] });
    expect(v.status).to.equal('unknown');
    expect(stalenessByPhase(blind).wholeRun[0]).to.include({ samples: 0, noHeartbeat: 2, peakMs: null });
  });

  it('gives the staleness at any instant from the newest heartbeat seen by then', () => {
    const h = scenario();
    expect(stalenessAt(h, 'b-db', at(7.4))).to.equal(3500); // the last sample, at 7.0, still showed 3.9
    expect(stalenessAt(h, 'b-db', at(2.25))).to.equal(450);
    expect(stalenessAt(h, 'b-db', at(-1))).to.equal(null);
    expect(stalenessAt(h, 'nobody', at(5))).to.equal(null);
  });
  it('is unknown, never pass, for a database the harness could not reach through its admin link', () => {
    const events: NewEvent[] = [phase('admin link cut', 0)];
    for (let s = 0; s < 3; s += 0.5) events.push(sample('b-db', s, s < 1 ? s - 0.2 : 0.8, s >= 1));
    const v = stalenessVerdict(historyOf(events), { boundMs: 60_000, phases: ['admin link cut'] });
    expect(v.status).to.equal('unknown');
    expect(v.children![0]!.summary, v.children![0]!.summary).to.match(/could not read it through its admin link in 3 of 5 samples/);
  });
});

describe('staleness probe: the heartbeat resource', () => {
  it('is a Basic carrying its write instant and series, found newest first', () => {
    const r = heartbeatResource('s-1', Date.UTC(2026, 0, 2, 3, 4, 5, 678)) as { resourceType: string; identifier: { system: string; value: string }[]; subject?: unknown };
    expect(r.resourceType).to.equal('Basic');
    expect(r.identifier).to.deep.equal([
      { system: HEARTBEAT_SYSTEM, value: '2026-01-02T03:04:05.678Z' },
      { system: HEARTBEAT_SERIES_SYSTEM, value: 's-1' },
    ]);
    expect(r.subject, 'no patient').to.equal(undefined);
    expect(newestHeartbeatsQuery('s-1')).to.equal('Basic?identifier=urn%3Aepj-chaos%3Aheartbeat-series%7Cs-1&_sort=-_lastUpdated&_count=3');
  });

  it('reads the newest write instant of a search result, whatever the entries order', () => {
    const entry = (ms: number) => ({ resource: heartbeatResource('s', ms) });
    expect(newestHeartbeatIn({ resourceType: 'Bundle', entry: [entry(2000), entry(3000), entry(1000)] })).to.equal(3000);
    expect(newestHeartbeatIn({ resourceType: 'Bundle', total: 0 })).to.equal(null);
    expect(() => newestHeartbeatIn({ resourceType: 'OperationOutcome' })).to.throw(/Bundle/);
  });
});

describe('staleness probe: which parts of a stack it reads', () => {
  it('finds the reference stack’s databases, read-only and write front doors by link kind and function', () => {
    const def = parseStackDefinition(referenceStack());
    expect(databasesOf(def)).to.deep.equal({
      databases: [
        { container: 'a-db', adminLink: 'a-db-admin' },
        { container: 'b-db', adminLink: 'b-db-admin' },
      ],
      unreachable: [],
    });
    expect(readOnlyFrontDoor(def)).to.deep.equal({ fn: 'read-only-lookup', link: 'lookup-front', container: 'b-lookup' });
    expect(writeFrontDoor(def)).to.deep.equal({ fn: 'clinical-note', link: 'epj-front', container: 'a-epj' });
  });

  it('finds a vendor stack’s parts by kind whatever they are called, and says what is missing', () => {
    const vendor: StackDefinitionInput = {
      name: 'vendor',
      sites: [{ id: 'x', name: 'X' }, { id: 'y', name: 'Y' }],
      containers: [
        { name: 'pg-main', site: 'x', role: 'database', image: 'i' },
        { name: 'pg-copy', site: 'y', role: 'database', image: 'i' },
        { name: 'ehr', site: 'x', role: 'app', image: 'i' },
      ],
      links: [
        { name: 'ehr-web', kind: 'front-door', listenPort: 9000, upstream: { container: 'ehr', port: 80 }, publish: true },
        { name: 'ehr-sql', kind: 'app-db', fromSite: 'x', listenPort: 9001, upstream: { container: 'pg-main', port: 5432 } },
        { name: 'copy-stream', kind: 'replication', fromSite: 'y', listenPort: 9002, upstream: { container: 'pg-main', port: 5432 } },
        { name: 'copy-sql', kind: 'app-db', fromSite: 'y', listenPort: 9003, upstream: { container: 'pg-copy', port: 5432 } },
        { name: 'main-admin', kind: 'admin', listenPort: 9004, upstream: { container: 'pg-main', port: 5432 }, publish: true },
      ],
      functions: { admission: { link: 'ehr-web' }, 'journal-lookup': { link: 'ehr-web' } },
    };
    const def = parseStackDefinition(vendor);
    expect(databasesOf(def)).to.deep.equal({ databases: [{ container: 'pg-main', adminLink: 'main-admin' }], unreachable: ['pg-copy'] });
    expect(readOnlyFrontDoor(def)).to.equal(undefined);
    expect(writeFrontDoor(def)).to.deep.equal({ fn: 'admission', link: 'ehr-web', container: 'ehr' });
  });
});

