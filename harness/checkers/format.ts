/** Human wording for verdict summaries; the exact numbers always travel in `details`. */

export function formatPercent(value: number | null): string {
  return value === null ? 'n/a' : `${(value * 100).toFixed(2)} %`;
}

export function formatDuration(ms: number | null): string {
  if (ms === null) return 'n/a';
  const abs = Math.abs(ms);
  if (abs < 1000) return `${Math.round(ms)} ms`;
  if (abs < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  if (abs < 3_600_000) return `${(ms / 60_000).toFixed(1)} min`;
  return `${(ms / 3_600_000).toFixed(2)} h`;
}
