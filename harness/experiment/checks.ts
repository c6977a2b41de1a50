import { availabilityVerdict } from '../checkers/availability.js';
import { mergeBuckets } from '../checkers/buckets.js';
import { MIN_EXPECTED_ATTEMPTS } from '../checkers/evidence.js';
import { formatDuration, formatPercent } from '../checkers/format.js';
import { checkLostWrites, lostWritesVerdict, type PresentWrite } from '../checkers/lost-writes.js';
import { phasesOf, type Phase } from '../checkers/phases.js';
import { rtoVerdict } from '../checkers/rto.js';
import { splitBrain, type SiteReadBack } from '../checkers/split-brain.js';
import { stalenessVerdict } from '../checkers/staleness.js';
import { composeVerdicts, type Verdict } from '../checkers/verdict.js';
import { whatIfFailover } from '../checkers/what-if.js';
import { MergeableHistogram } from '../workload/histogram.js';
import { replicationModeOf } from '../probes/replication-mode.js';
import { InvalidInputError } from '../errors.js';
import type { History } from '../history/history.js';
import { HARNESS_PHASE } from '../timeline/phase-start.js';
import { CLINICAL_FUNCTIONS, type ClinicalFunction, type StackDefinition } from '../stack/definition.js';
import { formatScenarioDuration, parseDuration } from './duration.js';
import { share } from './share.js';

/**
 * The checks an experiment names — `availability('admission').in('site A dark').atLeast(0.99)` — each a thin,
 * declarative front for one checker of harness/checkers/. A check is evaluated once over the run's history and gives
 * one Verdict; the same object becomes the mocha test, the journal verdict and (later) the JUnit case, so they
 * cannot disagree. Durations are scenario time, as everywhere in an experiment.
 */
export interface CheckContext {
  /** the stack the run used (a function's reader, the replication mode) */
  definition?: StackDefinition;
  /** writes read back from the surviving authoritative site after the run; absent: not read back */
  readBack?: readonly PresentWrite[];
  /** writes read back at each site (old primary's through the door nobody repointed), for split brain */
  siteReadBack?: SiteReadBack;
}

/** Stops a running experiment (everything is healed at once): checked every half second over the history so far. */
export interface AbortCondition {
  readonly description: string;
  /** the bound that was passed, in words, or undefined while it holds */
  passed(history: History, now: number): string | undefined;
}

/** A bucket is in the history once every attempt started in it has ended: width + timeout + 1 s after it began. */
export const RECORDED_AFTER_MS = 4000;

export interface Check {
  /** what the check expects, in words ("admission ≥ 99.00 % in site A dark") */
  readonly expectation: string;
  evaluate(history: History, ctx?: CheckContext): Verdict;
}

export type FunctionChoice = ClinicalFunction | readonly ClinicalFunction[] | 'all';

export function functionsOf(choice: FunctionChoice): ClinicalFunction[] {
  if (choice === 'all') return [...CLINICAL_FUNCTIONS];
  const list = typeof choice === 'string' ? [choice] : [...choice];
  for (const fn of list) {
    if (!CLINICAL_FUNCTIONS.includes(fn)) throw new InvalidInputError(`unknown clinical function '${fn}'`, `known: ${CLINICAL_FUNCTIONS.join(', ')}`);
  }
  return list;
}

/** "in site A dark [scenario 47 min–1 h 7 min, wall 16:21:04.712–16:21:06.711]": where, on both clocks. */
export function wherePhase(phase: Phase, history: History): string {
  const wall = (t: number) => new Date(t).toISOString().slice(11, 23);
  const clock = history.clock;
  return `in ${phase.name} [scenario ${formatScenarioDuration(Math.round(clock.toScenario(phase.start)))}–${formatScenarioDuration(Math.round(clock.toScenario(phase.end)))}, wall ${wall(phase.start)}–${wall(phase.end)}]`;
}

/** Adds where (phase, both clocks) to each leaf that speaks of the phase, so a failure says where it happened. */
function placed(v: Verdict, history: History, phaseName: string): Verdict {
  const phase = phasesOf(history).find((p) => p.name === phaseName);
  if (!phase) return v;
  const where = wherePhase(phase, history);
  const place = (x: Verdict): Verdict => ({
    ...x,
    summary: x.summary.replace(`in ${phaseName}`, where),
    ...(x.children ? { children: x.children.map(place) } : {}),
  });
  return place(v);
}

export function availability(fns: FunctionChoice) {
  const functions = functionsOf(fns);
  const label = fns === 'all' ? 'every function' : functions.join(', ');
  return {
    /** an abort condition: stop the experiment when availability stays below `floor` for a while */
    below(floor: number) {
      return {
        for(span: string | number): AbortCondition {
          const spanScenarioMs = parseDuration(span, `availability(${label}).below(${floor}).for`);
          return {
            description: `${label} below ${formatPercent(floor)} for ${formatScenarioDuration(spanScenarioMs)}`,
            passed(history, now) {
              // judge the latest window whose every attempt is already recorded (harness/workload/buckets.ts)
              const to = now - RECORDED_AFTER_MS;
              for (const fn of functions) {
                const from = to - Math.max(spanScenarioMs / history.clock.scale, 1000, minimumWindowMs(history, fn));
                const totals = mergeBuckets(history.ofKind('requests').filter((b) => b.fn === fn && b.bucket >= from && b.bucket < to));
                if (totals.availability !== null && totals.availability < floor) {
                  return `${fn} was at ${formatPercent(totals.availability)} (${totals.successes}/${totals.attempts}) from ${new Date(from).toISOString()} to ${new Date(to).toISOString()}`;
                }
              }
              return undefined;
            },
          };
        },
      };
    },
    in(phase: string) {
      return {
        atLeast(threshold: number): Check {
          share(threshold, `availability(${label}).in('${phase}').atLeast(…)`);
          return {
            expectation: `${label} ≥ ${formatPercent(threshold)} in ${phase}`,
            evaluate: (history) => placed(availabilityVerdict(history, { phases: [phase], functions, threshold }), history, phase),
          };
        },
        /** at most: a function that a fault must break (e.g. a write at the dead site) */
        atMost(ceiling: number): Check {
          share(ceiling, `availability(${label}).in('${phase}').atMost(…)`);
          return {
            expectation: `${label} ≤ ${formatPercent(ceiling)} in ${phase}`,
            evaluate: (history) => placed(availabilityVerdict(history, { phases: [phase], functions, threshold: ceiling, atMost: true }), history, phase),
          };
        },
      };
    },
  };
}

/**
 * The RTO of every chosen function after the fault injected under `fault`, within a maximum (scenario time). The
 * hold — how long availability must stay back — is scenario time too, floored at what can be measured: ≥ 1 s of
 * wall time and ≥ 5 expected attempts of the slowest chosen function.
 */
export function rto(opts: { fault: string; functions?: FunctionChoice; threshold?: number; hold?: string | number }) {
  const functions = functionsOf(opts.functions ?? 'all');
  return {
    within(max: string | number): Check {
      const maxScenarioMs = parseDuration(max, `rto({ fault: '${opts.fault}' }).within`);
      const holdScenarioMs = parseDuration(opts.hold ?? 0, `rto({ fault: '${opts.fault}' }) hold`);
      return {
        expectation: `${opts.functions === undefined || opts.functions === 'all' ? 'every function' : functions.join(', ')} back within ${formatScenarioDuration(maxScenarioMs)} of ${opts.fault}`,
        evaluate(history) {
          const scheduled = history.ofKind('fault').find((f) => f.stage === 'scheduled' && f.step === opts.fault);
          if (!scheduled) return { checker: `rto ${opts.fault}`, status: 'unknown', summary: `no fault named '${opts.fault}' was injected in this run` };
          const scale = history.clock.scale;
          const holdMs = Math.max(holdScenarioMs / scale, 1000, ...functions.map((fn) => minimumWindowMs(history, fn)));
          // judged up to the scenario's end (harness/experiment/run.ts records it): after it the harness heals what
          // the timeline left broken, and a function that came back only then did not recover in the scenario
          const end = history.ofKind('phase').filter((p) => p.name === HARNESS_PHASE.end).at(-1)?.t;
          return rtoVerdict(history, { faultIds: [scheduled.id], functions, holdMs, maxRtoScenarioMs: maxScenarioMs, ...(end !== undefined ? { until: end } : {}), ...(opts.threshold !== undefined ? { threshold: opts.threshold } : {}) });
        },
      };
    },
  };
}

/** The wall time in which the load promises `fn` the evidence floor of attempts, and one more for margin (0 when it did not drive it). */
function minimumWindowMs(history: History, fn: ClinicalFunction): number {
  const rate = Math.max(0, ...history.ofKind('load').map((l) => l.rates[fn] ?? 0));
  return rate > 0 ? ((MIN_EXPECTED_ATTEMPTS + 1) * 1000) / rate : 0;
}

/** Jepsen's set checker over the writes read back after the run: `none()` lost, or `atMost(n)`. */
export function lostWrites() {
  const build = (max: number): Check => ({
    expectation: max === 0 ? 'no acknowledged write lost' : `at most ${max} acknowledged writes lost`,
    evaluate(history, ctx) {
      if (!ctx?.readBack) return { checker: 'lost writes', status: 'unknown', summary: 'the writes were not read back after the run, so what was lost is not known' };
      const v = lostWritesVerdict(history, ctx.readBack);
      if (max === 0 || v.status !== 'fail') return v;
      const lost = (v.details as { counts?: { lost?: number } } | undefined)?.counts?.lost ?? Infinity;
      return lost <= max ? { ...v, status: 'pass', summary: `${v.summary} (at most ${max} allowed)` } : v;
    },
  });
  return {
    none: () => build(0),
    atMost: (n: number) => build(n),
    /**
     * Every write the failover lost was still unreplicated when the fault named `fault` struck: acknowledged after
     * the newest heartbeat the replica showed by then (harness/probes/staleness.ts). A write lost although the
     * replica had provably applied it is the worrying kind: a loss the replication gap does not explain.
     */
    onlyUnreplicatedAt(fault: string): Check {
      return {
        expectation: `every lost write was still unreplicated when ${fault} struck`,
        evaluate(history, ctx) {
          const checker = 'lost writes explained by the replication gap';
          if (!ctx?.readBack) return { checker, status: 'unknown', summary: 'the writes were not read back after the run, so what was lost is not known' };
          const appliedAt = appliedInstant(history, fault);
          if (appliedAt === undefined) return { checker, status: 'unknown', summary: `no fault named '${fault}' took effect in this run` };
          const proven = history
            .ofKind('staleness')
            .filter((s) => s.via === 'sql' && s.t <= appliedAt && s.heartbeatAt !== null)
            .reduce((newest, s) => Math.max(newest, s.heartbeatAt!), -Infinity);
          if (!Number.isFinite(proven)) return { checker, status: 'unknown', summary: `no replica heartbeat was seen before ${fault} struck, so what was replicated is not known` };
          const { lost } = checkLostWrites(history, ctx.readBack);
          const unexplained = lost.filter((l) => l.acknowledgedAt < proven);
          const gap = `the replica had applied everything acknowledged before ${new Date(proven).toISOString()}, ${appliedAt - proven} ms before ${fault} struck`;
          if (unexplained.length > 0) {
            return { checker, status: 'fail', summary: `${unexplained.length} of ${lost.length} lost writes had been replicated already (${gap}): ${unexplained.slice(0, 5).map((l) => `${l.fn} ${l.writeId}`).join(', ')}`, details: { lost, unexplained, proven } };
          }
          return { checker, status: 'pass', summary: `all ${lost.length} lost writes were acknowledged after it (${gap})`, details: { lost, proven } };
        },
      };
    },
  };
}

/** Where the fault injected under the timeline name `name` took effect. */
function appliedInstant(history: History, name: string): number | undefined {
  const id = history.ofKind('fault').find((f) => f.stage === 'scheduled' && f.step === name)?.id;
  return history.ofKind('fault').find((f) => f.stage === 'applied' && f.id === id)?.t;
}

/**
 * How stale a reader gets in a phase: a reader is a clinical function served by a read-only front door
 * ('read-only-lookup', found by its link in the stack definition) or a replica database by its container name.
 */
export function staleness(reader: string) {
  return {
    in(phase: string) {
      return {
        atMost(bound: string | number): Check {
          const boundScenarioMs = parseDuration(bound, `staleness('${reader}').in('${phase}').atMost`);
          return {
            expectation: `${reader} at most ${formatScenarioDuration(boundScenarioMs)} stale in ${phase}`,
            evaluate(history, ctx) {
              const readers = resolveReader(history, reader, ctx?.definition);
              if (readers.length === 0) return { checker: `staleness ${reader}`, status: 'unknown', summary: `no staleness samples of '${reader}' (was the staleness probe running?)` };
              // judged in scenario time: 10 scenario minutes of WAN cut at 20× is 30 s of wall staleness
              const boundMs = boundScenarioMs / history.clock.scale;
              return placed(stalenessVerdict(history, { boundMs, boundScenarioMs, phases: [phase], readers }), history, phase);
            },
          };
        },
      };
    },
  };
}

function resolveReader(history: History, reader: string, def: StackDefinition | undefined): string[] {
  const samples = history.ofKind('staleness');
  const fn = CLINICAL_FUNCTIONS.find((f) => f === reader);
  if (fn) {
    const link = def?.functions[fn]?.link;
    return [...new Set(samples.filter((s) => s.via === 'fhir' && (link === undefined || s.link === link)).map((s) => s.reader))];
  }
  return samples.some((s) => s.reader === reader) ? [reader] : [];
}

/** The what-if failover curve: a failover at any instant of the run would lose at most `n` acknowledged writes. */
export function whatIfLoss() {
  return {
    atMost(n: number): Check {
      return {
        expectation: `a failover at any instant loses at most ${n} acknowledged writes`,
        evaluate: (history, ctx) => whatIfFailover(history, { maxWouldLose: n, ...(ctx?.definition ? { replication: replicationModeOf(ctx.definition) } : {}) }).verdict,
      };
    },
  };
}

/**
 * Latency of the chosen functions' attempts that started in a phase: a percentile of their merged histograms
 * (harness/workload/histogram.ts, within its bins' precision), against a bound in wall milliseconds — latency is
 * the stack's own work, which no time scale shortens. `atLeast` states a floor physics sets (a synchronous commit
 * waits at least a round trip to the standby).
 */
export function latency(fns: FunctionChoice) {
  const functions = functionsOf(fns);
  const label = fns === 'all' ? 'every function' : functions.join(', ');
  const percentileOf = (p: number) => {
    if (!(p > 0 && p <= 100)) throw new InvalidInputError(`latency(${label}): percentile ${p} must be in (0, 100]`);
    return {
      in(phase: string) {
        const judge = (bound: string | number, below: boolean): Check => {
          const boundMs = parseDuration(bound, `latency(${label}).p${p}.in('${phase}')`);
          return {
            expectation: `${label}: p${p} latency ${below ? '≤' : '≥'} ${formatDuration(boundMs)} in ${phase}`,
            evaluate: (history) => placed(latencyVerdict(history, { functions, phase, p, boundMs, below }), history, phase),
          };
        };
        return { atMost: (bound: string | number) => judge(bound, true), atLeast: (bound: string | number) => judge(bound, false) };
      },
    };
  };
  return { p50: percentileOf(50), p95: percentileOf(95), p99: percentileOf(99), percentile: percentileOf };
}

function latencyVerdict(history: History, o: { functions: ClinicalFunction[]; phase: string; p: number; boundMs: number; below: boolean }): Verdict {
  const occurrences = phasesOf(history).filter((ph) => ph.name === o.phase);
  if (occurrences.length === 0) return { checker: `latency in ${o.phase}`, status: 'unknown', summary: `phase ${o.phase} never started` };
  const children = o.functions.map((fn): Verdict => {
    const checker = `latency ${fn} in ${o.phase}`;
    const hist = new MergeableHistogram();
    let missing = 0;
    for (const b of history.ofKind('requests')) {
      if (b.fn !== fn || !occurrences.some((ph) => b.bucket >= ph.start && b.bucket < ph.end)) continue;
      if (b.latencyHistogram) hist.merge(b.latencyHistogram);
      else if (b.attempts > 0) missing++;
    }
    if (missing > 0) return { checker, status: 'unknown', summary: `${fn}: ${missing} bucket(s) in ${o.phase} without a latency histogram` };
    if (hist.count < MIN_EXPECTED_ATTEMPTS) return { checker, status: 'unknown', summary: `${fn}: ${hist.count} attempt(s) in ${o.phase}, too few for a p${o.p}` };
    const value = hist.percentile(o.p / 100);
    const ok = o.below ? value <= o.boundMs : value >= o.boundMs;
    return {
      checker,
      status: ok ? 'pass' : 'fail',
      summary: `${fn}: p${o.p} ${formatDuration(value)} ${o.below ? (ok ? '≤' : '>') : ok ? '≥' : '<'} ${formatDuration(o.boundMs)} in ${o.phase} (${hist.count} attempts)`,
      details: { fn, p: o.p, valueMs: value, boundMs: o.boundMs, attempts: hist.count, histogram: hist.toSparse() },
    };
  });
  return composeVerdicts(`latency in ${o.phase}`, children);
}

/**
 * Split brain after a failover (harness/checkers/split-brain.ts): writes the old site still acknowledged while the
 * new one held the primary. Placed by the door each write went through, and confirmed by reading both sites back,
 * which the runner does when the experiment sends clients nobody told (`load.clientsNobodyTold`).
 */
export function divergentWrites() {
  const evaluate = (history: History, ctx: CheckContext | undefined) => {
    if (!ctx?.definition) throw new InvalidInputError('divergentWrites needs the stack definition');
    return splitBrain(history, ctx.definition, ctx.siteReadBack);
  };
  return {
    none(): Check {
      return { expectation: 'no write acknowledged by the old site after the failover (no split brain)', evaluate: (history, ctx) => evaluate(history, ctx).verdict };
    },
    /** a finding the experiment expects: an unfenced failover leaves the old site acknowledging writes */
    atLeast(n: number): Check {
      return {
        expectation: `at least ${n} write(s) acknowledged by the old site after the failover (the split brain is real)`,
        evaluate(history, ctx) {
          const r = evaluate(history, ctx);
          const found = r.divergent.length;
          if (found === 0) return { ...r.verdict, checker: 'split brain', status: r.verdict.status === 'pass' ? 'fail' : r.verdict.status, summary: `no divergent write found, expected at least ${n}: ${r.verdict.summary}` };
          return { ...r.verdict, status: found >= n ? 'pass' : 'fail', summary: `${found >= n ? '' : `only ${found} of the expected ${n}: `}${r.verdict.summary}` };
        },
      };
    },
  };
}
