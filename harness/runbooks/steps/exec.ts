import type { z } from 'zod';
import { findContainer } from '../../actions/support.js';
import { withTimeout } from '../../docker/client.js';
import { demux } from '../../docker/logs.js';
import { HarnessError } from '../../errors.js';
import type { execStepSchema } from '../schema.js';
import type { StepContext, StepOutcome } from './step.js';

/** A command in a running container of the run (docker exec), which must exit as expected. */
export async function runExecStep(spec: z.infer<typeof execStepSchema>, s: StepContext): Promise<StepOutcome> {
  const c = await findContainer(s.ctx.stack, spec.container);
  if (!c.running) throw new HarnessError(`${spec.container} is not running: cannot run ${spec.command.join(' ')} in it`, 'runbook-step-failed');
  const exec = await c.container.exec({ Cmd: spec.command, AttachStdout: true, AttachStderr: true, ...(spec.user ? { User: spec.user } : {}) });
  const limit = s.timeoutMs ?? 60_000;
  const output = await withTimeout(
    (async () => {
      const stream = await exec.start({ hijack: true, stdin: false });
      const chunks: Buffer[] = [];
      stream.on('data', (b: Buffer) => chunks.push(b));
      await new Promise<void>((resolve, reject) => {
        stream.on('end', resolve);
        stream.on('close', resolve);
        stream.on('error', reject);
      });
      return demux(Buffer.concat(chunks));
    })(),
    limit,
    `${spec.command.join(' ')} in ${spec.container} did not finish within ${limit} ms`,
  );
  const { ExitCode } = await exec.inspect();
  if (ExitCode !== spec.expectExit) {
    throw new HarnessError(`${spec.command.join(' ')} in ${spec.container} exited ${ExitCode} (expected ${spec.expectExit}):\n${output.slice(-2000)}`, 'runbook-step-failed');
  }
  return { answer: { output }, said: `${spec.command.join(' ')} in ${spec.container}: exit ${ExitCode}` };
}
