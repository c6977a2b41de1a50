import { InvalidInputError } from '../errors.js';

/**
 * Durations as people write them in an experiment: '27 min', '3.5 h', '90 s', '250 ms', '1 h 30 min', or '0'.
 * Experiments are written in scenario time; the run's time scale turns these into wall time.
 */
const UNITS: Record<string, number> = {
  ms: 1,
  s: 1000,
  sec: 1000,
  second: 1000,
  seconds: 1000,
  min: 60_000,
  minute: 60_000,
  minutes: 60_000,
  h: 3_600_000,
  hour: 3_600_000,
  hours: 3_600_000,
};

const PART = /(\d+(?:\.\d+)?)\s*([a-z]+)/gy;

/** Milliseconds of `text` ('27 min'); a number is taken as milliseconds already. Throws naming the text. */
export function parseDuration(text: string | number, what = 'duration'): number {
  if (typeof text === 'number') {
    if (!Number.isFinite(text) || text < 0) throw new InvalidInputError(`${what}: ${text} is not a duration (a number of ms ≥ 0, or text such as '27 min')`);
    return text;
  }
  const s = text.trim().toLowerCase();
  if (s === '0') return 0;
  let total = 0;
  let matched = 0;
  PART.lastIndex = 0;
  for (let m = PART.exec(s); m; m = PART.exec(s)) {
    const unit = UNITS[m[2]!];
    if (unit === undefined) break;
    total += Number(m[1]) * unit;
    matched = PART.lastIndex;
    while (s[PART.lastIndex] === ' ') PART.lastIndex++;
    matched = PART.lastIndex;
  }
  if (matched === 0 || matched !== s.length) {
    throw new InvalidInputError(`${what}: '${text}' is not a duration`, "write it as a number and a unit: '250 ms', '90 s', '27 min', '3.5 h', '1 h 30 min'");
  }
  return Math.round(total * 1000) / 1000;
}

/** The shortest exact wording of `ms` in the same units ('1 h 30 min', '27 min', '1.5 s'). */
export function formatScenarioDuration(ms: number): string {
  if (ms === 0) return '0';
  const parts: string[] = [];
  let rest = Math.abs(ms);
  for (const [unit, size] of [['h', 3_600_000], ['min', 60_000]] as const) {
    const n = Math.floor(rest / size);
    if (n > 0) parts.push(`${n} ${unit}`);
    rest -= n * size;
  }
  if (rest >= 1000 || (rest > 0 && parts.length > 0 && rest % 1000 === 0)) parts.push(`${Math.round(rest) / 1000} s`);
  else if (rest > 0) parts.push(`${Math.round(rest * 1000) / 1000} ms`);
  return `${ms < 0 ? '−' : ''}${parts.join(' ')}`;
}
