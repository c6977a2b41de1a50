import { z } from 'zod';
import type { WorkKind } from '../../history/clock.js';
import { InvalidInputError } from '../../errors.js';
import type { RunContext } from '../../run-context.js';
import { ensureStarted, lastDeath, resolveContainers, type TargetContainer } from '../container/container-fault.js';
import { Fault } from '../fault.js';
import { untilScenario } from '../scenario-time.js';
import { selectContainers } from '../targets.js';

const duration = z.number().nonnegative();

export const sitePowerSchema = z.object({
  site: z.string(),
  /** a generator that starts takes over after `startAfterMs`; one that fails never does */
  generator: z.object({ starts: z.boolean(), startAfterMs: duration.default(10_000) }).default({ starts: false, startAfterMs: 10_000 }),
  /** how long the UPS carries servers, SAN and network after the mains fail */
  upsRuntimeMs: duration,
  /** when the mains come back, after they failed */
  mainsRestoredAfterMs: duration,
  /**
   * After power returns, components come up in this order: `core-switch` (the site's network), or the site's
   * containers of a role in the stack definition (`integration-engine`, `epj`, …), or a container by name; each
   * `afterMs` after power is back; `returns: false` = it does not come back (until heal).
   * Containers not listed boot at once; an unlisted core switch comes back at once.
   */
  boot: z.array(z.object({ component: z.string(), afterMs: duration, returns: z.boolean().default(true) })).default([]),
});
export type SitePowerParams = z.input<typeof sitePowerSchema>;

/**
 * Site power, as in the incident: the mains fail; a generator starts (after a delay) or fails; the UPS holds for its
 * runtime. If it drains before mains or generator return, every container of the site dies at the same instant
 * (SIGKILL: servers do not shut down gracefully when power is cut) and the site's core switch goes dark. When power
 * returns, the site boots in the declared order; a component can be declared not to come back.
 *
 * Applied instant = the moment the site lost power (UPS drained), not the mains failure: that is when clinical
 * functions can start failing, and RTO counts from it. With no outage (generator or mains back in time) it is the
 * mains failure. The fault's first effect — where the phase its step opens begins — is always the mains failure.
 * Times are scenario time; the run's clock scales them to wall time.
 */
export class SitePower extends Fault {
  readonly kind = 'site-power';
  protected override readonly marksOwnWork = true;
  readonly params: z.output<typeof sitePowerSchema>;
  private targets: TargetContainer[] = [];
  private networkId = '';
  private story?: Promise<void>;
  private readonly abort = new AbortController();
  private mainsFailedAt = 0;
  powerLost = false;

  constructor(params: SitePowerParams) {
    super('site-power');
    this.params = sitePowerSchema.parse(params);
  }

  describeTarget(): string {
    return `site ${this.params.site}`;
  }

  /** the stack's `replacements` when the targets were resolved (a container upgraded since has a new id) */
  private resolvedAt = -1;

  protected override async beforeApply(ctx: RunContext): Promise<void> {
    if (this.resolvedAt !== ctx.stack.replacements) await this.prepare(ctx);
  }

  override async prepare(ctx: RunContext): Promise<void> {
    const generation = ctx.stack.replacements;
    if (this.targets.length === 0 || this.resolvedAt !== generation) {
      this.targets = await resolveContainers(ctx, selectContainers(ctx.stack.definition, { site: this.params.site }));
      this.resolvedAt = generation; // only once resolved: a failed lookup is tried again
    }
    this.networkId ||= await ctx.stack.siteNetworkId(this.params.site);
    const unknown = this.params.boot.filter((b) => b.component !== 'core-switch' && this.bootTargets(b.component).length === 0).map((b) => `'${b.component}'`);
    if (unknown.length > 0) {
      const have = this.targets.map((t) => `${t.spec.name} (${t.spec.role})`).join(', ');
      throw new InvalidInputError(`site-power: boot names ${unknown.join(', ')}, which is neither core-switch nor a container or role of site ${this.params.site}`, `site ${this.params.site} has: ${have}`);
    }
  }

  /** When power is back (scenario ms after the mains failed), or Infinity. */
  private powerBackAfter(): number {
    const { generator, mainsRestoredAfterMs } = this.params;
    return Math.min(mainsRestoredAfterMs, generator.starts ? generator.startAfterMs : Infinity);
  }

  protected async apply(ctx: RunContext): Promise<string> {
    const { clock } = ctx.history;
    const { upsRuntimeMs, generator } = this.params;
    const mainsFailed = Date.now();
    this.mainsFailedAt = clock.toScenario(mainsFailed);
    const back = this.powerBackAfter();
    ctx.history.record({ kind: 'note', t: mainsFailed, message: `site ${this.params.site}: mains failed; generator ${generator.starts ? `starts after ${generator.startAfterMs} ms` : 'fails'}; UPS ${upsRuntimeMs} ms` });
    this.markFirstEffect(mainsFailed, mainsFailed, true); // nothing fails while the UPS holds: no onset
    if (upsRuntimeMs >= back) {
      this.story = Promise.resolve();
      return `mains failed; ${generator.starts && generator.startAfterMs <= this.params.mainsRestoredAfterMs ? 'generator' : 'mains'} back after ${back} ms, within the UPS's ${upsRuntimeMs} ms: no outage`;
    }
    this.plannedApplyAt = clock.toWall(this.mainsFailedAt + upsRuntimeMs);
    const signal = ctx.signal ? AbortSignal.any([ctx.signal, this.abort.signal]) : this.abort.signal;
    if (!(await untilScenario(clock, this.mainsFailedAt + upsRuntimeMs, signal))) throw new Error('interrupted (or healed) before the UPS drained');
    await clock.measure(() => this.powerOff(ctx), 'break');
    this.story = this.boot(ctx).catch((err) => {
      ctx.history.record({ kind: 'note', message: `site ${this.params.site}: boot failed: ${err instanceof Error ? err.message : String(err)}` });
    });
    return `UPS drained after ${upsRuntimeMs} ms: ${this.targets.length} containers of site ${this.params.site} killed, core switch down; power back after ${back === Infinity ? 'never' : `${back} ms`}`;
  }

  private async powerOff(ctx: RunContext): Promise<void> {
    this.powerLost = true;
    // the site loses power at the instant the kills are issued (see container/kill.ts for why not FinishedAt)
    this.effectAt = Date.now();
    await Promise.all(this.targets.map((t) => t.handle.kill({ signal: 'SIGKILL' })));
    this.certainAt = await lastDeath(this.targets);
    // the core switch has no power either: when a server boots before the switch, it has no network
    const net = ctx.stack.docker.getNetwork(this.networkId);
    await Promise.all(this.targets.map((t) => net.disconnect({ Container: t.id, Force: true }).catch(() => {})));
  }

  private async boot(ctx: RunContext): Promise<void> {
    const back = this.powerBackAfter();
    if (back === Infinity) return;
    const { clock } = ctx.history;
    const powerBack = this.mainsFailedAt + back;
    if (!(await untilScenario(clock, powerBack, this.abort.signal))) return;
    ctx.history.record({ kind: 'note', message: `site ${this.params.site}: power back` });
    const listed = new Set(this.params.boot.flatMap((b) => this.bootTargets(b.component).map((t) => t.spec.name)));
    const steps = [
      ...(this.params.boot.some((b) => b.component === 'core-switch') ? [] : [{ component: 'core-switch', afterMs: 0, returns: true }]),
      ...this.targets.filter((t) => !listed.has(t.spec.name)).map((t) => ({ component: t.spec.name, afterMs: 0, returns: true })),
      ...this.params.boot,
    ].sort((a, b) => a.afterMs - b.afterMs);
    let switchOn = false;
    for (const [i, step] of steps.entries()) {
      if (!(await untilScenario(clock, powerBack + step.afterMs, this.abort.signal))) return;
      if (!step.returns) {
        ctx.history.record({ kind: 'note', message: `site ${this.params.site}: ${step.component} does not come back` });
        continue;
      }
      // booting is the stack's work: the scenario clock runs 1:1 while it happens
      const kind = bootStepKind(step.component, switchOn, steps.slice(i + 1));
      if (step.component === 'core-switch') await clock.measure(() => this.switchOn(ctx), kind);
      else await clock.measure(() => Promise.all(this.bootTargets(step.component).map((t) => ensureStarted(t.handle))), kind);
      switchOn ||= step.component === 'core-switch';
      ctx.history.record({ kind: 'note', message: `site ${this.params.site}: ${step.component} up` });
    }
  }

  /** The site's containers a boot step names: by container name, else by role (prepare checked it names some). */
  private bootTargets(component: string): TargetContainer[] {
    if (component === 'core-switch') return [];
    const byName = this.targets.filter((t) => t.spec.name === component);
    return byName.length > 0 ? byName : this.targets.filter((t) => t.spec.role === component);
  }

  private async switchOn(ctx: RunContext): Promise<void> {
    const net = ctx.stack.docker.getNetwork(this.networkId);
    await Promise.all(
      this.targets.map(async (t) => {
        const nets = Object.values((await t.handle.inspect()).NetworkSettings.Networks ?? {});
        if (nets.some((n) => n.NetworkID === this.networkId)) return;
        await net.connect({ Container: t.id, EndpointConfig: { Aliases: [t.spec.name] } });
      }),
    );
  }

  protected async observe(ctx: RunContext): Promise<string> {
    const states = await Promise.all(this.targets.map(async (t) => ({ t, info: await t.handle.inspect() })));
    if (!this.powerLost) {
      const dead = states.filter((s) => !s.info.State.Running);
      if (dead.length > 0) throw new Error(`no outage was expected, yet ${dead.map((s) => s.t.spec.name).join(', ')} are down`);
      return `no container lost power: ${states.length} running`;
    }
    const alive = states.filter((s) => s.info.State.Running && Date.parse(s.info.State.StartedAt) < (this.appliedAt ?? 0) - 5);
    if (alive.length > 0) throw new Error(`still running after the power cut: ${alive.map((s) => s.t.spec.name).join(', ')}`);
    const deaths = states.map((s) => Date.parse(s.info.State.FinishedAt)).filter((t) => t > 0);
    const others = (await ctx.stack.containers()).filter((c) => c.site !== this.params.site && c.site !== 'harness');
    const otherDown = others.filter((c) => c.state !== 'running');
    return `${states.map((s) => `${s.t.spec.name} exit ${s.info.State.ExitCode}`).join(', ')}; deaths within ${Math.max(...deaths) - Math.min(...deaths)} ms, recorded by the engine ${Math.min(...deaths) - (this.appliedAt ?? 0)} ms after the power was cut; other sites: ${others.length - otherDown.length}/${others.length} running`;
  }

  /** Resolves when the boot sequence has run its course (power back and every returning component up). */
  async settled(): Promise<void> {
    await this.story;
  }

  protected async undo(ctx: RunContext): Promise<void> {
    this.abort.abort();
    await this.story;
    if (!this.powerLost) return;
    await this.switchOn(ctx);
    await Promise.all(this.targets.map((t) => ensureStarted(t.handle)));
  }
}

/**
 * What a boot step does to the stack, for how long the scenario clock waits for it to settle (harness/history/clock.ts):
 * - a server booting while its site's core switch is still off: no client can reach it, so nothing can come back
 *   yet — its effect is over when its call returns (`break`: outcomes hold for a moment, as they were);
 * - a step with more of the site still to come back (its database, its integration engine): what depends on those
 *   stays down by design, timing out or not — an `act`, settled once outcomes hold, not a restore waited out to
 *   the cap (measured: 20 s of a cold start, twice, waiting for functions whose database boots 10 min later);
 * - the step after which the site is whole: a `restore`, measured until every function is back or answers its
 *   errors, however long the EPJ takes to reconnect.
 */
export function bootStepKind(component: string, switchOn: boolean, later: readonly { returns: boolean }[]): WorkKind {
  if (!switchOn && component !== 'core-switch') return 'break';
  return later.some((s) => s.returns) ? 'act' : 'restore';
}
