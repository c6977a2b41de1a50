/**
 * Labels are the harness's only notion of ownership: it lists, stops and removes nothing that does not carry
 * `epj-chaos.managed=true` and the run id it is working on — never by name alone (names can collide).
 */
export const LABEL = {
  managed: 'epj-chaos.managed',
  run: 'epj-chaos.run',
  site: 'epj-chaos.site',
  role: 'epj-chaos.role',
  component: 'epj-chaos.component',
  stack: 'epj-chaos.stack',
  /** pid of the process that owns the run; the reaper removes runs whose owner is gone */
  ownerPid: 'epj-chaos.owner-pid',
  /** host that pid lives on (a pid means nothing on another host) */
  ownerHost: 'epj-chaos.owner-host',
  /** `epj-chaos stack up` leaves a stack running after its process exits: only `clean`/`down` remove it */
  detached: 'epj-chaos.detached',
} as const;

export interface RunLabels {
  run: string;
  stack: string;
  ownerPid: number;
  ownerHost: string;
  detached: boolean;
}

export function runLabels(r: RunLabels): Record<string, string> {
  return {
    [LABEL.managed]: 'true',
    [LABEL.run]: r.run,
    [LABEL.stack]: r.stack,
    [LABEL.ownerPid]: String(r.ownerPid),
    [LABEL.ownerHost]: r.ownerHost,
    [LABEL.detached]: String(r.detached),
  };
}

/** Docker list filter selecting one run's objects, or every managed object when run is undefined. */
export function labelFilter(run?: string): { label: string[] } {
  const label = [`${LABEL.managed}=true`];
  if (run !== undefined) label.push(`${LABEL.run}=${run}`);
  return { label };
}
