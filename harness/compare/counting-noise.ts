/**
 * Counting noise: an availability is successes out of attempts, and a phase of a few seconds has few attempts —
 * a 'taking hold' phase of five attempts moves by 20 percentage points for one attempt more or less. Measured on
 * the restart drill (bench/release-noise.ts): single runs of the same release called a phase's availability worse
 * in half the pairs. So a difference in availability counts only when the counts themselves make it unlikely to be
 * chance: Fisher's exact test, one-sided, on the pooled failures and attempts of each side.
 */

/**
 * A percentile of n attempts says something only when a few attempts lie beyond it: with 40 attempts a "p99" is
 * the slowest one, and two runs of the same release differed by 24–45 % there on a busy machine (the release-
 * compare test, referral and read-only-lookup). At least this many attempts above the percentile, per run.
 */
export const MIN_BEYOND_PERCENTILE = 5;

/** The attempts a run needs for its `q` percentile (0.99: 500) to be judged. */
export function attemptsForPercentile(q: number): number {
  return Math.ceil(MIN_BEYOND_PERCENTILE / (1 - q) - 1e-9);
}

/** below this, a difference in failures is not chance (few measures are judged, each against its own counts) */
export const COUNTING_NOISE_P = 0.01;

export interface Counts {
  failures: number;
  attempts: number;
}

const logFactorials: number[] = [0];
function logFactorial(n: number): number {
  for (let i = logFactorials.length; i <= n; i++) logFactorials.push(logFactorials[i - 1]! + Math.log(i));
  return logFactorials[n]!;
}
const logChoose = (n: number, k: number) => logFactorial(n) - logFactorial(k) - logFactorial(n - k);

/**
 * P(B has at least its failures | both sides' totals), under "both sides fail alike": Fisher's exact test, one-
 * sided (B worse). Small: B failed more than chance explains.
 */
export function moreFailuresThanChance(a: Counts, b: Counts): number {
  const n = a.attempts + b.attempts;
  const k = a.failures + b.failures;
  if (b.attempts === 0 || a.attempts === 0) return 1;
  const whole = logChoose(n, b.attempts);
  let p = 0;
  for (let x = b.failures; x <= Math.min(k, b.attempts); x++) {
    if (b.attempts - x > n - k) continue;
    p += Math.exp(logChoose(k, x) + logChoose(n - k, b.attempts - x) - whole);
  }
  return Math.min(1, p);
}

/** Whether B's failures, against A's, are beyond counting noise in the direction `worse` ('higher' failure). */
export function beyondCountingNoise(a: Counts, b: Counts, direction: 'worse' | 'better'): boolean {
  return (direction === 'worse' ? moreFailuresThanChance(a, b) : moreFailuresThanChance(b, a)) < COUNTING_NOISE_P;
}

/**
 * The quantiles between which a run's `q` percentile over `attempts` attempts lies by chance alone: the rank of the
 * q-th value among n is binomial (mean nq, sd √(nq(1−q))), so at 99 % (z 2.576) the percentile is any value between
 * the ranks nq ∓ 2.576 sd. Two runs' percentiles differ beyond their sampling noise only when these bands do not
 * overlap (harness/compare/compare.ts) — a p99 over 2700 attempts is the 27th-slowest, give or take 13.
 */
export function quantileBand(q: number, attempts: number, z = 2.576): { low: number; high: number } {
  const mean = attempts * q;
  const sd = Math.sqrt(attempts * q * (1 - q));
  return { low: Math.max(0, (mean - z * sd) / attempts), high: Math.min(1, (mean + z * sd) / attempts) };
}
