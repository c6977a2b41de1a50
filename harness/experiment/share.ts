import { InvalidInputError } from '../errors.js';

/**
 * A share from 0 to 1 (an availability bound, the part of the load that goes to a door), taken from an experiment
 * file. Experiment files are loaded without a type check, so '99 %' or 99 arrive here as written: the message names
 * what was written and what it should be.
 */
export function share(value: unknown, what: string): number {
  if (typeof value === 'number' && value >= 0 && value <= 1) return value;
  const shown = typeof value === 'string' ? `'${value}'` : String(value);
  const percent = typeof value === 'string' ? Number(/^\s*(\d+(?:\.\d+)?)\s*%\s*$/.exec(value)?.[1] ?? NaN) : typeof value === 'number' && value > 1 && value <= 100 ? value : NaN;
  const hint = Number.isFinite(percent) ? ` (${typeof value === 'string' ? 'for' : 'if you meant'} ${percent} %, write ${Number((percent / 100).toFixed(6))})` : '';
  throw new InvalidInputError(`${what}: a share from 0 to 1, got ${shown}${hint}`);
}
