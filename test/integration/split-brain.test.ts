import { expect } from 'chai';
import { failover } from '../../harness/actions/index.js';
import { splitBrain, type SplitBrainResult } from '../../harness/checkers/index.js';
import { History } from '../../harness/history/history.js';
import { unroutedWriteDoor, writeFrontDoor } from '../../harness/probes/stack-parts.js';
import type { RunContext } from '../../harness/run-context.js';
import type { LinkSpec, StackDefinition } from '../../harness/stack/definition.js';
import { referenceStack } from '../../harness/stack/reference-stack.js';
import type { StartedStack } from '../../harness/stack/started-stack.js';
import { upStack } from '../../harness/stack/up.js';
import { sleep } from '../../harness/stack/wait/poll.js';
import { readBackSites } from '../../harness/workload/readback.js';
import { defaultProfile, onlyFunctions, runLoad, scaleProfile, seedPatients, WRITE_FUNCTIONS } from '../../harness/workload/index.js';
import { NOTHING, runObjects } from '../support/docker-objects.js';

/**
 * Split brain (issue 7): a failover under clinical load while some clients reach site A's EPJ through a door of
 * their own that no failover repoints — clients nobody told. Without fencing, A keeps acknowledging their writes
 * after B's database was promoted, and the checker names each one, confirmed by reading both sites back; with
 * fencing, A refuses them and the checker finds none. One stack per case: a failover cannot be undone cheaply.
 */

/** Half the default write mix per door: two doors together stay at the default's write rate on a shared 2-core host. */
const WRITES = scaleProfile(onlyFunctions(defaultProfile, WRITE_FUNCTIONS), 0.5);
const BEFORE_MS = 2000;
const AFTER_MS = 3000;

interface Parts {
  /** the site the EPJ front door leads to at the start: the primary's */
  oldSite: string;
  newSite: string;
  /** a front door to the old site's EPJ that serves no clinical function: what an unfenced failover leaves in place */
  staleDoor: LinkSpec;
}

/** Found by what things are in the definition, not by the reference stack's names. */
function partsOf(def: StackDefinition): Parts {
  const siteOf = (container: string) => def.containers.find((c) => c.name === container)!.site;
  const front = writeFrontDoor(def)!;
  const oldSite = siteOf(front.container);
  const staleDoor = unroutedWriteDoor(def);
  if (!staleDoor) throw new Error(`stack '${def.name}' has no unrouted front door to ${front.container}`);
  return { oldSite, newSite: def.sites.find((s) => s.id !== oldSite)!.id, staleDoor };
}

interface Run {
  result: SplitBrainResult;
  history: History;
  parts: Parts;
  promotedAt: number;
  /** writes through the stale door after the promotion: acknowledged, and all */
  staleAcknowledged: number;
  staleAttempted: number;
}

async function failoverUnderLoad(stack: StartedStack, fence: boolean): Promise<Run> {
  const history = new History();
  const ctx: RunContext = { stack, history };
  const parts = partsOf(stack.definition);
  const patients = await seedPatients(stack.functionUrl('admission'), { patients: 40 });
  const staleUrl = stack.linkUrl(parts.staleDoor.name);

  const stop = new AbortController();
  const common = { stack, history, patients, profile: WRITES, durationMs: 0, signal: stop.signal };
  const loads = Promise.all([
    runLoad({ ...common, seed: 71 }),
    // same stack, so each write records the door it went through; the endpoints send every write function to A
    runLoad({ ...common, seed: 72, endpoints: Object.fromEntries(WRITE_FUNCTIONS.map((fn) => [fn, staleUrl])), selfWatch: false }),
  ]);
  try {
    await sleep(BEFORE_MS);
    await failover({ fence }).run(ctx);
    await sleep(AFTER_MS);
  } finally {
    stop.abort();
    await loads;
  }

  const byType: Record<string, string[]> = {};
  for (const w of history.ofKind('write')) (byType[w.resourceType] ??= []).push(w.writeId);
  const readBack = await readBackSites({ [parts.oldSite]: staleUrl, [parts.newSite]: stack.functionUrl('clinical-note') }, byType);
  const result = splitBrain(history, stack.definition, readBack);
  const promotedAt = result.promotions[0]!.at;
  const stale = history.ofKind('write').filter((w) => w.via === parts.staleDoor.name && w.t > promotedAt);
  return { result, history, parts, promotedAt, staleAcknowledged: stale.filter((w) => w.outcome === 'acknowledged').length, staleAttempted: stale.length };
}

function report(run: Run): void {
  const { result: r } = run;
  const failoverDone = run.history.ofKind('action').find((e) => e.action === 'failover' && e.stage === 'completed')!;
  const window = r.window ? `${r.window.from - run.promotedAt}–${r.window.to - run.promotedAt} ms after the promotion` : 'none';
  console.log(
    `      ${r.verdict.status}: ${r.divergent.length} divergent (by door ${JSON.stringify(r.divergentByDoor)}, by function ${JSON.stringify(r.divergentByFunction)}), ` +
      `window ${window}; counts ${JSON.stringify(r.counts)}; through ${run.parts.staleDoor.name} after the promotion ${run.staleAcknowledged} of ${run.staleAttempted} acknowledged; ` +
      `failover completed ${failoverDone.t - run.promotedAt} ms after the promotion`,
  );
}

describe('split brain: failover under load with clients nobody told', function () {
  this.timeout(120_000);
  let stack: StartedStack | undefined;

  afterEach(async () => {
    if (!stack) return;
    const run = stack.runId;
    await stack.down();
    stack = undefined;
    expect(await runObjects(run)).to.deep.equal(NOTHING);
  });

  it('unfenced: the checker names the writes site A acknowledged after B was promoted, each present at A and absent at B', async () => {
    stack = await upStack(referenceStack());
    const run = await failoverUnderLoad(stack, false);
    report(run);
    const { result: r, parts } = run;

    expect(r.verdict.status, r.verdict.summary).to.equal('fail');
    expect(r.counts.unplaced, JSON.stringify(r.unplaced.slice(0, 3))).to.equal(0);
    expect(r.divergent.length).to.be.above(0);
    for (const d of r.divergent) {
      expect([d.site, d.primarySite, d.atSite, d.atPrimary], d.writeId).to.deep.equal([parts.oldSite, parts.newSite, true, false]);
      expect(d.acknowledgedAt).to.be.above(run.promotedAt);
    }
    // every write A acknowledged through the stale door after the promotion is named (or was already at B: committed before)
    expect(r.divergentByDoor[parts.staleDoor.name], 'divergent through the stale door').to.be.above(0);
    expect(r.divergentByDoor[parts.staleDoor.name]! + r.counts['reached-primary']).to.be.at.least(run.staleAcknowledged);
  });

  it('fenced: A refuses the stale door’s writes after the fence, and the checker finds no divergence', async () => {
    stack = await upStack(referenceStack());
    const run = await failoverUnderLoad(stack, true);
    report(run);
    const { result: r } = run;

    expect(r.verdict.status, r.verdict.summary).to.equal('pass');
    expect(r.divergent).to.deep.equal([]);
    expect(run.staleAttempted, 'clients nobody told kept writing after the promotion').to.be.above(0);
    expect(run.staleAcknowledged).to.equal(0);
    expect(r.counts.primary, 'writes B acknowledged after the repoint').to.be.above(0);
  });
});
