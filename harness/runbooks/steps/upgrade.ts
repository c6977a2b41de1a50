import type { z } from 'zod';
import { findContainer, startContainer, stopContainer } from '../../actions/support.js';
import { dockerStatus } from '../../docker/client.js';
import { HarnessError } from '../../errors.js';
import { containerCreateOptions } from '../../stack/container-options.js';
import type { upgradeStepSchema } from '../schema.js';
import type { StepContext, StepOutcome } from './step.js';

/**
 * A rolling upgrade's unit of work: a container of the stack replaced by one from another image (a release), the
 * same in every other way — name, site network and address, volumes, environment, labels — and left running if it
 * was (a standby created but not started stays so). The image must be on this machine before the old container
 * is touched. Its readiness is the runbook's next step (`ready`), so the proof shows how long the boot took.
 */
export async function runUpgradeStep(spec: z.infer<typeof upgradeStepSchema>, s: StepContext): Promise<StepOutcome> {
  const { stack } = s.ctx;
  const definition = stack.definition.containers.find((c) => c.name === spec.container)!;
  const image = await stack.docker
    .getImage(spec.image)
    .inspect()
    .catch((err: unknown) => {
      if (dockerStatus(err) === 404) throw new HarnessError(`${s.where}: image '${spec.image}' is not on this machine`, 'runbook-step-failed', 'build or load the release image first');
      throw err;
    });
  const old = await findContainer(stack, spec.container);
  const labels = (await old.container.inspect()).Config.Labels;
  const siteNetwork = await stack.siteNetworkId(old.site);
  if (old.running) await stopContainer(old, spec.stopTimeoutSeconds);
  await old.container.remove({ v: false });
  const created = await stack.docker.createContainer(containerCreateOptions(stack.runId, { ...definition, image: spec.image, env: { ...definition.env, ...spec.env } }, siteNetwork, labels));
  if (old.running) await startContainer(stack, await findContainer(stack, spec.container));
  stack.replacements += 1; // a fault prepared before this step holds the old id (counted once the new one runs)
  const env = Object.entries(spec.env).map(([k, v]) => `${k}=${v}`);
  const shortId = (id: string) => id.replace(/^sha256:/, '').slice(0, 12);
  return {
    answer: { from: old.image, to: spec.image, imageId: image.Id, container: created.id },
    said: `${spec.container}: ${old.image} → ${spec.image} (image ${shortId(image.Id)})${env.length > 0 ? ` with ${env.join(' ')}` : ''}${old.running ? ', running' : ', created (it was not running)'}`,
  };
}
