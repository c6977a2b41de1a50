import junitModule, { type Builder } from 'junit-report-builder';
import type { Comparison } from './compare.js';

// CommonJS with an ES default export in its types: see harness/reporters/junit.ts
const junitBuilder = junitModule as unknown as Builder;

/**
 * compare.xml: one testsuite per compared experiment, one testcase per compared check or measure; a regression is
 * a failure whose message is the delta (A → B). An experiment on one side only is a skipped testcase.
 */
export function renderCompareJunit(c: Comparison): string {
  const builder = junitBuilder.newBuilder();
  for (const e of c.experiments) {
    const suite = builder.testSuite().name(`compare: ${e.experiment}`).property('baseline (A)', c.a.target).property('candidate (B)', c.b.target).property('noise', e.noise);
    for (const [k, cv] of e.caveats.entries()) suite.property(`caveat ${k + 1}`, cv);
    for (const r of e.rows) {
      const tc = suite.testCase().className(e.experiment).name(r.measure);
      if (r.judgement === 'worse') tc.failure(`${r.delta}: A ${r.a} → B ${r.b}${r.note ? ` (${r.note})` : ''}`, 'regression');
    }
  }
  const one = (side: 'A' | 'B', titles: readonly string[]) => {
    if (titles.length === 0) return;
    const suite = builder.testSuite().name(`compare: only in ${side}`);
    for (const t of titles) suite.testCase().className(t).name(`only in ${side}: not compared`).skipped();
  };
  one('A', c.onlyA);
  one('B', c.onlyB);
  return builder.build();
}
