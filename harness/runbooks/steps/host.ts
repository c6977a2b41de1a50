import { spawn } from 'node:child_process';
import type { z } from 'zod';
import { HarnessError } from '../../errors.js';
import { hostCommandsAllowed } from '../host-commands.js';
import type { hostStepSchema } from '../schema.js';
import type { StepContext, StepOutcome } from './step.js';

/**
 * A command on the harness's host, with the stack's endpoints in its environment and nothing else of the
 * harness's (no tokens or passwords leak into it): EPJ_CHAOS_RUN, EPJ_CHAOS_TOXIPROXY_URL, and for each published
 * link EPJ_CHAOS_LINK_<NAME>_URL and _PORT (`epj-front` → EPJ_CHAOS_LINK_EPJ_FRONT_URL).
 */
export async function runHostStep(spec: z.infer<typeof hostStepSchema>, s: StepContext): Promise<StepOutcome> {
  const { stack } = s.ctx;
  if (!hostCommandsAllowed(stack.definition.template?.file)) {
    throw new HarnessError(
      `${s.where}: host commands run only from a stack definition named on the command line (--stack, --definition); this one came from ${stack.definition.template?.file ?? 'elsewhere'}`,
      'host-command-refused',
    );
  }
  const env: Record<string, string> = { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: process.env.HOME ?? '/', EPJ_CHAOS_RUN: stack.runId, EPJ_CHAOS_TOXIPROXY_URL: stack.endpoints.toxiproxyApi };
  for (const l of stack.definition.links.filter((x) => x.publish !== false)) {
    const key = `EPJ_CHAOS_LINK_${l.name.toUpperCase().replace(/[^A-Z0-9]/g, '_')}`;
    env[`${key}_URL`] = stack.linkUrl(l.name);
    env[`${key}_PORT`] = String(stack.linkPort(l.name));
  }
  const limit = s.timeoutMs ?? 60_000;
  const [cmd, ...args] = spec.command;
  const { code, output } = await new Promise<{ code: number | null; output: string }>((resolve, reject) => {
    const child = spawn(cmd!, args, { env, stdio: ['ignore', 'pipe', 'pipe'], timeout: limit, killSignal: 'SIGKILL' });
    let out = '';
    child.stdout.on('data', (b: Buffer) => (out = (out + b.toString()).slice(-8000)));
    child.stderr.on('data', (b: Buffer) => (out = (out + b.toString()).slice(-8000)));
    child.on('error', (err) => reject(new HarnessError(`${spec.command.join(' ')}: ${err.message}`, 'runbook-step-failed')));
    child.on('close', (c) => resolve({ code: c, output: out }));
  });
  if (code !== spec.expectExit) {
    throw new HarnessError(`${spec.command.join(' ')} exited ${code ?? `killed after ${limit} ms`} (expected ${spec.expectExit}):\n${output.slice(-2000)}`, 'runbook-step-failed');
  }
  return { answer: { output }, said: `${spec.command.join(' ')} on the host: exit ${code}` };
}
