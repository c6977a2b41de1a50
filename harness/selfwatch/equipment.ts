import { withTimeout } from '../docker/client.js';
import type { StartedStack } from '../stack/started-stack.js';

/** A part of the harness itself that a run depends on, and how to ask whether it still answers. */
export interface Equipment {
  part: string;
  check(timeoutMs: number): Promise<void>;
}

/** A started stack's equipment: its Toxiproxy (every link and front door runs through it) and the Docker engine. */
export function stackEquipment(stack: StartedStack): Equipment[] {
  return [
    {
      part: 'toxiproxy',
      async check(timeoutMs) {
        const res = await fetch(`${stack.toxiproxyApi}/version`, { signal: AbortSignal.timeout(timeoutMs) });
        if (!res.ok) throw new Error(`GET /version answered ${res.status}`);
        await res.arrayBuffer();
      },
    },
    { part: 'docker', check: (timeoutMs) => withTimeout(stack.docker.ping(), timeoutMs, `no answer within ${timeoutMs} ms`).then(() => undefined) },
  ];
}

/** The parts that did not answer, with why; all asked at once, each within `timeoutMs`. */
export async function checkEquipment(equipment: readonly Equipment[], timeoutMs: number): Promise<{ part: string; error: string }[]> {
  const results = await Promise.all(
    equipment.map(async (e) => {
      try {
        await e.check(timeoutMs);
        return undefined;
      } catch (err) {
        return { part: e.part, error: err instanceof Error ? err.message : String(err) };
      }
    }),
  );
  return results.filter((r): r is { part: string; error: string } => r !== undefined);
}
