import { expect } from 'chai';
import { InvalidInputError } from '../../harness/errors.js';
import { selectLinks } from '../../harness/faults/targets.js';
import { parseStackDefinition, type StackDefinition } from '../../harness/stack/definition.js';
import { referenceStack } from '../../harness/stack/reference-stack.js';

/** Where the reference stack's integration engine runs, and which faults reach each EPJ's calls to it. */

const engines = (def: StackDefinition) => def.containers.filter((c) => c.role === 'integration-engine');
const integrationLinks = (def: StackDefinition) => selectLinks(def, { kind: 'integration' });
const upstreamSite = (def: StackDefinition, container: string) => def.containers.find((c) => c.name === container)!.site;

describe('reference stack: the integration engine', () => {
  it('runs at site A only by default: both EPJs reach it, B across the WAN, and a WAN cut takes B’s link only', () => {
    const def = parseStackDefinition(referenceStack());
    expect(engines(def).map((c) => c.site)).to.deep.equal(['a']);
    const links = integrationLinks(def);
    expect(links.map((l) => `${l.fromSite}→${upstreamSite(def, l.upstream.container)}`)).to.have.members(['a→a', 'b→a']);
    expect(selectLinks(def, { crossSite: true, kind: 'integration' }).map((l) => l.fromSite)).to.deep.equal(['b']);
  });

  it('each-site: site B has its own engine, and no integration link crosses the WAN', () => {
    const def = parseStackDefinition(referenceStack({ integrations: 'each-site' }));
    expect(engines(def).map((c) => c.site)).to.have.members(['a', 'b']);
    expect(integrationLinks(def).every((l) => l.fromSite === upstreamSite(def, l.upstream.container))).to.equal(true);
    expect(() => selectLinks(def, { crossSite: true, kind: 'integration' })).to.throw(InvalidInputError);
  });

  it('is configured into each writable EPJ through its own link, and into no read-only one', () => {
    const def = parseStackDefinition(referenceStack());
    const byLink = new Map(integrationLinks(def).map((l) => [`http://toxiproxy:${l.listenPort}`, l]));
    for (const c of def.containers.filter((x) => x.role === 'epj' || x.role === 'epj-standby')) {
      const link = byLink.get(c.env.EPJ_INTEGRATION_URL ?? '');
      expect(link, c.name).to.not.equal(undefined);
      expect(link!.fromSite, c.name).to.equal(c.site);
    }
    expect(def.containers.find((c) => c.role === 'lookup')!.env).to.not.have.property('EPJ_INTEGRATION_URL');
  });

  it('names an unknown placement and the ones that exist', () => {
    expect(() => referenceStack({ integrations: 'site-b' })).to.throw(InvalidInputError, /option integrations=site-b: one of site-a, each-site/);
  });
});
