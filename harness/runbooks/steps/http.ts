import type { z } from 'zod';
import { HarnessError } from '../../errors.js';
import type { httpStepSchema } from '../schema.js';
import { matches } from '../variables.js';
import type { StepContext, StepOutcome } from './step.js';

/**
 * An HTTP call to a published link. `answer: 'no-answer'` succeeds only when nothing answers: behind Toxiproxy a
 * stopped service shows as a connection closed without an answer, not as a refusal.
 */
export async function runHttpStep(spec: z.infer<typeof httpStepSchema>, s: StepContext): Promise<StepOutcome> {
  // the link's endpoint: its TLS and bearer token (harness/fhir/endpoint.ts), and its origin only
  const endpoint = s.ctx.stack.linkEndpoint(spec.link);
  const what = `${spec.method} ${spec.path} on ${spec.link}`;
  const headers: Record<string, string> = { ...spec.headers };
  if (spec.body !== undefined && !Object.keys(headers).some((h) => h.toLowerCase() === 'content-type')) headers['content-type'] = 'application/json';
  let res: Response;
  try {
    res = await endpoint.fetch(spec.path, {
      method: spec.method,
      headers,
      ...(spec.body !== undefined ? { body: typeof spec.body === 'string' ? spec.body : JSON.stringify(spec.body) } : {}),
      signal: AbortSignal.timeout(s.timeoutMs ?? 5000),
    });
  } catch (err) {
    if (spec.answer === 'no-answer') return { said: `${what}: no answer` };
    throw new HarnessError(`${what}: ${(err as Error).message}${(err as { cause?: Error }).cause ? ` (${(err as { cause: Error }).cause.message})` : ''}`, 'runbook-step-failed');
  }
  const text = await res.text();
  if (spec.answer === 'no-answer') throw new HarnessError(`${what} still answers ${res.status}`, 'runbook-expectation');
  const statusOk = spec.expect.status !== undefined ? res.status === spec.expect.status : res.status >= 200 && res.status < 300;
  let body: unknown = text;
  try {
    body = text ? JSON.parse(text) : undefined;
  } catch {
    /* not JSON: kept as text */
  }
  if (!statusOk) throw new HarnessError(`${what} answered ${res.status}${spec.expect.status ? ` (expected ${spec.expect.status})` : ''}: ${text.slice(0, 200)}`, 'runbook-expectation');
  if (spec.expect.body) {
    const miss = matches(body, spec.expect.body);
    if (miss) throw new HarnessError(`${what} answered ${res.status} with ${miss}`, 'runbook-expectation');
  }
  return { answer: body, said: `${what} → ${res.status}` };
}
