import { z } from 'zod';

/**
 * A runbook is what the person on call does for an operator action (failover, failback, starting the read-only
 * fallback, fencing), written in the stack definition as ordered steps the harness performs and records with
 * proof. A vendor's failover is their runbook, not ours: the harness knows step kinds, not procedures.
 *
 * Every step has a `name` (it appears in the proof and in any error), exactly one kind, and these common fields:
 *   until      retry the step until it succeeds, for at most timeoutMs, every intervalMs (a wait, not a try)
 *   timeoutMs  one attempt's limit (default per kind)
 *   onFailure  `fail` (default) or `continue`: a step that may not work, e.g. fencing a site that is dark
 *   fencing    a fencing step, skipped when the action is told not to fence (the operator who forgets)
 *   capture    keep the step's answer (SQL: the first row; HTTP: the JSON body) as a variable for later steps,
 *              which refer to its fields as {{name.field}}
 *   effect     what it did that checkers reason about: `{ "promoted": "<container>" }`
 *   refuse     the step is a precondition: when it fails, the action is refused with this message (bad input,
 *              nothing done), not failed
 *   record     put the step's answer in the proof (what the replica had received before promotion, …)
 */

const linkName = z.string().min(1);
const containerName = z.string().min(1);
const json = z.json();

/** SQL on a database through a published link, as `user` (the administrator), in `database`. */
export const sqlStepSchema = z.strictObject({
  link: linkName,
  query: z.string().min(1),
  user: z.string().default('postgres'),
  database: z.string().default('postgres'),
  /** the first row must have these column values */
  expect: z.record(z.string(), json).optional(),
});

/** An HTTP call to a path on a published link; the answer must have `expect.status` (default 2xx) and body fields. */
export const httpStepSchema = z.strictObject({
  method: z.enum(['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD']).default('GET'),
  link: linkName,
  path: z.string().startsWith('/'),
  headers: z.record(z.string(), z.string()).default({}),
  body: json.optional(),
  expect: z
    .strictObject({
      status: z.number().int().min(100).max(599).optional(),
      /** top-level fields of the JSON answer, or dotted paths (`db.writable`) */
      body: z.record(z.string(), json).optional(),
    })
    .default({}),
  /** `no-answer`: the step succeeds when nothing answers (a stopped service behind Toxiproxy closes the connection) */
  answer: z.enum(['any', 'no-answer']).default('any'),
});

/** A command in a running container of the stack (docker exec); it must exit `expectExit`. */
export const execStepSchema = z.strictObject({
  container: containerName,
  command: z.array(z.string()).min(1),
  user: z.string().optional(),
  expectExit: z.number().int().default(0),
});

/**
 * A command on the harness's host, with the stack's endpoints in its environment (EPJ_CHAOS_LINK_<NAME>_URL, …).
 * Only from a definition named on the command line; shown by `run --dry-run`; never taken from a journal.
 */
export const hostStepSchema = z.strictObject({
  command: z.array(z.string()).min(1),
  expectExit: z.number().int().default(0),
});

/** Points a Toxiproxy link at another container and port (a front door after a failover). */
export const repointStepSchema = z.strictObject({ link: linkName, to: z.strictObject({ container: containerName, port: z.number().int().min(1).max(65535) }) });

/** Starts or stops a container of the stack (idempotent: a running one is not started twice). */
export const containerStepSchema = z.strictObject({ name: containerName, do: z.enum(['start', 'stop']), stopTimeoutSeconds: z.number().int().min(0).default(30) });

/**
 * Runs a one-off container from a stack container's image, on its volumes and its site's network, to completion
 * (a database rebuilt as a replica with pg_rewind while the container is stopped).
 */
export const oneOffStepSchema = z.strictObject({
  container: containerName,
  command: z.array(z.string()).min(1),
  env: z.record(z.string(), z.string()).default({}),
});

/**
 * Replaces a container by one from another image (a release), the same in every other way, running if it was: a
 * rolling upgrade's unit. The image is usually an option (`"${candidateEpjImage}"`), so one definition runs both
 * releases.
 */
export const upgradeStepSchema = z.strictObject({
  container: containerName,
  image: z.string().min(1),
  /** environment entries that differ on the new container (a server that must boot fenced) */
  env: z.record(z.string(), z.string()).default({}),
  stopTimeoutSeconds: z.number().int().min(0).default(30),
});

/** Waits until a container's ready check from the definition passes. */
export const readyStepSchema = z.strictObject({ container: containerName });

/**
 * Proof that clinicians can write: a synthetic Patient created through the front door serving `function`
 * (default clinical-note) is acknowledged with an id, as FHIR R4 allows a server to answer.
 */
export const proveWriteStepSchema = z.strictObject({ function: z.string().default('clinical-note') });

const common = {
  name: z.string().min(1),
  until: z.strictObject({ timeoutMs: z.number().int().positive(), intervalMs: z.number().int().positive().default(200) }).optional(),
  timeoutMs: z.number().int().positive().optional(),
  onFailure: z.enum(['fail', 'continue']).default('fail'),
  fencing: z.boolean().default(false),
  capture: z.string().regex(/^[a-zA-Z][a-zA-Z0-9]*$/, 'a variable name: letters and digits').optional(),
  effect: z.strictObject({ promoted: containerName }).optional(),
  refuse: z.string().min(1).optional(),
  record: z.boolean().default(false),
};

export const STEP_KINDS = ['sql', 'http', 'exec', 'host', 'repoint', 'container', 'oneOff', 'upgrade', 'ready', 'proveWrite'] as const;
export type StepKind = (typeof STEP_KINDS)[number];

export const runbookStepSchema = z
  .strictObject({
    ...common,
    sql: sqlStepSchema.optional(),
    http: httpStepSchema.optional(),
    exec: execStepSchema.optional(),
    host: hostStepSchema.optional(),
    repoint: repointStepSchema.optional(),
    container: containerStepSchema.optional(),
    oneOff: oneOffStepSchema.optional(),
    upgrade: upgradeStepSchema.optional(),
    ready: readyStepSchema.optional(),
    proveWrite: proveWriteStepSchema.optional(),
  })
  .superRefine((step, ctx) => {
    const kinds = STEP_KINDS.filter((k) => step[k] !== undefined);
    if (kinds.length !== 1) {
      ctx.addIssue({ code: 'custom', message: `a step does exactly one of ${STEP_KINDS.join(', ')}${kinds.length > 1 ? ` (this one: ${kinds.join(', ')})` : ''}` });
    }
  });
export type RunbookStep = z.infer<typeof runbookStepSchema>;

export const runbookSchema = z.strictObject({
  description: z.string().optional(),
  /**
   * what it does to the stack, for the scenario clock (harness/history/clock.ts): `act` (default: measured until
   * the stack has settled after it) or `break` (stopping something: measured until the failing settles)
   */
  kind: z.enum(['act', 'break']).default('act'),
  steps: z.array(runbookStepSchema).min(1),
});
export type Runbook = z.infer<typeof runbookSchema>;

/** The kind of a step, by the one field it has. */
export function stepKind(step: RunbookStep): StepKind {
  return STEP_KINDS.find((k) => step[k] !== undefined)!;
}
