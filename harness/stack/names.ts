import { randomBytes } from 'node:crypto';
import { InvalidInputError } from '../errors.js';

/** Every Docker object of a run is named `epjc-<run>-…`, so two runs never collide. */
export const NAME_PREFIX = 'epjc';

export function newRunId(): string {
  const alphabet = 'abcdefghijkmnpqrstuvwxyz23456789';
  return [...randomBytes(8)].map((b) => alphabet[b % alphabet.length]).join('');
}

export function checkRunId(run: string): string {
  if (!/^[a-z0-9]{4,16}$/.test(run)) {
    throw new InvalidInputError(`run id '${run}' is not valid`, 'use 4–16 lower-case letters or digits');
  }
  return run;
}

export const objectName = (run: string, part: string) => `${NAME_PREFIX}-${run}-${part}`;
export const siteNetwork = (run: string, site: string) => objectName(run, `site-${site}`);
export const wanNetwork = (run: string) => objectName(run, 'wan');
export const TOXIPROXY = 'toxiproxy';
