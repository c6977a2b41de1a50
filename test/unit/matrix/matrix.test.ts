import { expect } from 'chai';
import { InvalidInputError } from '../../../harness/errors.js';
import { createFault } from '../../../harness/faults/registry.js';
import { matrixCells, unknownMatrixKinds, type MatrixCell } from '../../../harness/matrix/cells.js';
import { parseExpectations, violations } from '../../../harness/matrix/expectations.js';
import { hiddenDependencies, siteOfFunction } from '../../../harness/matrix/hidden-dependencies.js';
import type { CellResult } from '../../../harness/matrix/result.js';
import { renderMatrixTable } from '../../../harness/matrix/table.js';
import { CLINICAL_FUNCTIONS, parseStackDefinition, type ClinicalFunction } from '../../../harness/stack/definition.js';
import { referenceStack } from '../../../harness/stack/reference-stack.js';

const def = parseStackDefinition(referenceStack());

/** A measured cell where every function held except those given. */
function measured(cell: MatrixCell, down: Partial<Record<ClinicalFunction, number>>): CellResult {
  const functions = Object.fromEntries(CLINICAL_FUNCTIONS.map((fn) => [fn, { availability: down[fn] ?? 1, attempts: 40, rtoMs: down[fn] === undefined ? 0 : 1200 }]));
  return {
    cell: { id: cell.id, target: cell.target, takesAwayFrom: cell.takesAwayFrom, kind: cell.fault.kind },
    status: 'measured',
    functions,
    lostWrites: 0,
    stalenessPeakMs: 300,
    restore: 'restored',
    timings: { baselineMs: 2000, faultMs: 4000, recoveryMs: 3000, restoreMs: 500 },
  };
}
const cell = (id: string) => matrixCells(def).find((c) => c.id === id)!;

describe('failure-mode matrix: cells, hidden dependencies, expectations, table', () => {
  it('enumerates every single fault the reference stack offers a target for, each one a fault the registry builds', () => {
    const cells = matrixCells(def);
    // 6 containers × 5 + 9 links clients or components use × 5 + 2 sites × 4 + 4 across the WAN
    expect(cells).to.have.length(6 * 5 + 9 * 5 + 2 * 4 + 4);
    expect(new Set(cells.map((c) => c.id)).size).to.equal(cells.length);
    expect(unknownMatrixKinds()).to.deep.equal([]);
    for (const c of cells) expect(() => createFault(c.fault), c.id).to.not.throw();
    // the harness's own admin links and the front door no function is routed through are not the stack's
    expect(cells.some((c) => /admin|a-epj-front/.test(c.id))).to.equal(false);
    expect(cell('container-kill a-db').takesAwayFrom).to.deep.equal(['a']);
    expect(cell('latency b-replication').takesAwayFrom).to.deep.equal(['a']); // it cuts B off from A's primary
    expect(cell('wan-cut').takesAwayFrom).to.deep.equal([]);
  });

  it('filters by fault kind and target, and names what it does not know', () => {
    expect(matrixCells(def, { faults: ['container-kill'], targets: ['a-db', 'b-lookup'] }).map((c) => c.id)).to.deep.equal(['container-kill a-db', 'container-kill b-lookup']);
    expect(matrixCells(def, { faults: ['wan-cut', 'site-power'], targets: ['wan', 'b'] }).map((c) => c.id)).to.deep.equal(['site-power b', 'wan-cut']);
    expect(() => matrixCells(def, { faults: ['meteor'] })).to.throw(InvalidInputError, "--faults: the matrix has no fault kind 'meteor'");
    expect(() => matrixCells(def, { targets: ['nowhere'] })).to.throw(InvalidInputError, 'no matrix cell');
  });

  it('marks a function failed by a fault that took nothing away at its own site as a hidden dependency', () => {
    expect(siteOfFunction(def, 'read-only-lookup')).to.equal('b');
    expect(siteOfFunction(def, 'admission')).to.equal('a');
    const results = [
      measured(cell('container-kill a-db'), { 'clinical-note': 0, admission: 0, 'journal-lookup': 0 }), // A's own: not hidden
      measured(cell('container-kill a-integrations'), { admission: 0, discharge: 0 }), // same site as A's EPJ
      measured(cell('blackhole b-replication'), { 'read-only-lookup': 0.2 }), // B's fallback needs A: hidden
      measured(cell('wan-cut'), { admission: 0.5 }), // A's writes wait for B: hidden
    ];
    const hidden = hiddenDependencies(def, results);
    expect(hidden.map((h) => `${h.cell}: ${h.fn} at ${h.site} needs ${h.dependsOn}`)).to.deep.equal([
      'blackhole b-replication: read-only-lookup at b needs site a',
      'wan-cut: admission at a needs the WAN (the other site)',
    ]);
    const table = renderMatrixTable(results, CLINICAL_FUNCTIONS, hidden);
    expect(table.split('\n')[0]).to.match(/^cell\s+lookup\s+note\s+admit\s+disch\s+refer\s+e-rx\s+ro-lookup$/);
    expect(table).to.match(/^blackhole b-replication\s+100·\s+100·\s+100·\s+100·\s+100·\s+100·\s+20▼!$/m);
    expect(table).to.match(/^container-kill a-db\s+0✖\s+0✖\s+0✖\s+100·/m);
  });

  it('judges the promises of an expectations file, and refuses a malformed one naming the field', () => {
    const expectations = parseExpectations({
      expectations: [
        { function: 'read-only-lookup', survives: { site: 'a' } },
        { function: ['journal-lookup'], survives: { fault: 'container-kill', target: 'b-lookup' }, atLeast: 0.95 },
      ],
    });
    const results = [measured(cell('blackhole b-replication'), { 'read-only-lookup': 0.2 }), measured(cell('container-kill b-lookup'), { 'read-only-lookup': 0 }), measured(cell('container-kill a-epj'), {})];
    expect(violations(expectations, results)).to.deep.equal([{ cell: 'blackhole b-replication', fn: 'read-only-lookup', expected: 0.99, measured: 0.2 }]);
    expect(() => parseExpectations({ expectations: [{ function: 'gossip', survives: { site: 'a' } }] }, 'x.json')).to.throw(InvalidInputError, /x\.json: .*function/);
    expect(() => parseExpectations({ expectations: [{ function: 'admission', survives: {} }] })).to.throw(InvalidInputError, /name at least one of fault, target, site/);
  });
});
