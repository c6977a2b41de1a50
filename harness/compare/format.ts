import { formatDuration, formatPercent } from '../checkers/format.js';
import type { MeasureUnit } from './floors.js';
import type { Sample } from './noise.js';

/** How a measure's value, sample and difference read in the reports. */
export function formatValue(value: number, unit: MeasureUnit): string {
  if (value === Infinity) return 'not recovered';
  if (unit === 'ms') return formatDuration(value);
  if (unit === 'ratio') return formatPercent(value);
  return String(Math.round(value * 10) / 10);
}

/** One run: its value. Several: the median, then the spread (min..max). */
export function formatSample(s: Sample, unit: MeasureUnit): string {
  if (s.values.length === 1) return formatValue(s.median, unit);
  return `${formatValue(s.median, unit)} (${formatValue(s.min, unit)}..${formatValue(s.max, unit)}, ${s.values.length} runs)`;
}

/** B's median minus A's, signed: "+1.2 s (+35 %)", "−0.80 pp", "+1". */
export function formatDelta(a: Sample, b: Sample, unit: MeasureUnit): string {
  if (a.median === b.median) return '0';
  if (b.median === Infinity) return 'did not recover';
  if (a.median === Infinity) return 'recovered (A did not)';
  const d = b.median - a.median;
  const sign = d > 0 ? '+' : '−';
  if (unit === 'ratio') return `${sign}${Math.abs(d * 100).toFixed(2)} pp`;
  if (unit === 'count') return `${sign}${Math.abs(Math.round(d * 10) / 10)}`;
  const rel = a.median !== 0 ? ` (${sign}${Math.abs((100 * d) / a.median).toFixed(0)} %)` : '';
  return `${sign}${formatDuration(Math.abs(d))}${rel}`;
}
