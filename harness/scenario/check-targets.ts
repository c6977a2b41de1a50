import { describeError, InvalidInputError } from '../errors.js';
import { CompositeFault } from '../faults/composite/composite.js';
import { SitePower } from '../faults/composite/site-power.js';
import { ContainerFault } from '../faults/container/container-fault.js';
import type { Fault } from '../faults/fault.js';
import { LinkDown } from '../faults/link/down.js';
import { ToxicFault } from '../faults/link/link-fault.js';
import { selectContainers, selectLinks } from '../faults/targets.js';
import type { StackDefinition } from '../stack/definition.js';

/**
 * A fault's targets, checked against the stack definition before the stack is up: a selector that matches
 * nothing is bad input, and bad input must be refused before anything is created (README, "CLI"). Faults resolve
 * their targets themselves in `prepare`, after `up`, with the same selectors (harness/faults/targets.ts); this is
 * the same check done earlier. A fault type not known here is still checked there — later, but before any injection.
 */
export function targetProblems(fault: Fault, def: StackDefinition): string[] {
  const problems: string[] = [];
  const check = (select: () => unknown) => {
    try {
      select();
    } catch (err) {
      if (!(err instanceof InvalidInputError)) throw err;
      problems.push(describeError(err).replace(/\n\s*fix: /, '; '));
    }
  };
  if (fault instanceof CompositeFault) return fault.parts.flatMap((p) => targetProblems(p, def));
  if (fault instanceof ContainerFault) check(() => selectContainers(def, fault.selector));
  else if (fault instanceof ToxicFault || fault instanceof LinkDown) check(() => selectLinks(def, fault.selector));
  else if (fault instanceof SitePower) {
    const site = fault.params.site;
    check(() => selectContainers(def, { site }));
    const atSite = new Set(def.containers.filter((c) => c.site === site).map((c) => c.name));
    for (const b of fault.params.boot) {
      if (b.component !== 'core-switch' && !atSite.has(b.component)) {
        problems.push(`boot component '${b.component}' is neither core-switch nor a container of site '${site}' (${[...atSite].join(', ') || 'none'})`);
      }
    }
  }
  return problems;
}

/** What a fault will touch on this stack, in words (for `run --dry-run`): its containers and its links. */
export function targetsOf(fault: Fault, def: StackDefinition): string[] {
  if (fault instanceof CompositeFault) return [...new Set(fault.parts.flatMap((p) => targetsOf(p, def)))];
  if (fault instanceof ContainerFault) return selectContainers(def, fault.selector).map((c) => `container ${c.name}`);
  if (fault instanceof ToxicFault || fault instanceof LinkDown) return selectLinks(def, fault.selector).map((l) => `link ${l.name}`);
  if (fault instanceof SitePower) return [...selectContainers(def, { site: fault.params.site }).map((c) => `container ${c.name}`), `the core switch of site ${fault.params.site}`];
  return [fault.describeTarget()];
}
