/**
 * A mergeable latency histogram with one fixed, log-linear bin layout (HdrHistogram's idea): every octave from
 * 0.1 ms up is cut into 64 equal bins, so a bin is at most 1/64 of its lower bound wide and a value read back from
 * it (its middle) is within 0.8 % — two significant digits — of any value in it. Because the layout never varies,
 * two histograms from different buckets, phases or runs (or releases) merge by adding counts bin by bin.
 *
 * Layout `log2x64@0.1ms` (docs/journal.md): with r = ms × 10 (units of 0.1 ms),
 *   - bin 0 holds r < 1 (under 0.1 ms, and anything negative or not a number, taken as 0),
 *   - for 1 ≤ r < 2^20: bin 1 + 64·k + j with k = ⌊log2 r⌋, j = ⌊64·(r / 2^k − 1)⌋, i.e. [2^k·(1 + j/64), 2^k·(1 + (j+1)/64)),
 *   - bin 1281 holds r ≥ 2^20 (from 104.8576 s up: beyond the 60 s any attempt may take).
 * `count`, `sum`, `min` and `max` are exact (and merge exactly); percentiles are within the bins' precision and
 * exact at the maximum.
 */
export const HISTOGRAM_LAYOUT = 'log2x64@0.1ms';
const H_LOWEST_MS = 0.1;
const H_SUB = 64;
const H_OCTAVES = 20;
export const HISTOGRAM_BINS = 2 + H_SUB * H_OCTAVES;
/** Relative error of a value read back from a bin (its middle), against any value in the bin. */
export const MERGEABLE_HISTOGRAM_RELATIVE_ERROR = 1 / (2 * H_SUB);

/** A histogram as stored (a `requests` bucket's `latencyHistogram`, the journal's merged ones): only non-empty bins. */
export interface SparseHistogram {
  /** attempts counted */
  count: number;
  /** sum of their latencies, ms (exact mean = sum ÷ count) */
  sum: number;
  min: number;
  max: number;
  /** [bin index, count] of each non-empty bin, by ascending index (layout HISTOGRAM_LAYOUT) */
  bins: [number, number][];
}

export function histogramBin(ms: number): number {
  const r = ms > 0 && Number.isFinite(ms) ? ms * (1 / H_LOWEST_MS) : 0;
  if (r < 1) return 0;
  let k = Math.floor(Math.log2(r));
  // log2 can land a hair off at exact powers of two
  if (2 ** k > r) k -= 1;
  else if (2 ** (k + 1) <= r) k += 1;
  if (k >= H_OCTAVES) return HISTOGRAM_BINS - 1;
  const j = Math.min(H_SUB - 1, Math.floor(H_SUB * (r / 2 ** k - 1)));
  return 1 + H_SUB * k + j;
}

/** [lower, upper) of a bin, ms. */
export function histogramBinRange(bin: number): [number, number] {
  if (bin <= 0) return [0, H_LOWEST_MS];
  if (bin >= HISTOGRAM_BINS - 1) return [H_LOWEST_MS * 2 ** H_OCTAVES, Infinity];
  const k = Math.floor((bin - 1) / H_SUB);
  const j = (bin - 1) % H_SUB;
  return [H_LOWEST_MS * 2 ** k * (1 + j / H_SUB), H_LOWEST_MS * 2 ** k * (1 + (j + 1) / H_SUB)];
}

export class MergeableHistogram {
  private readonly counts = new Float64Array(HISTOGRAM_BINS);
  count = 0;
  sum = 0;
  min = Infinity;
  max = -Infinity;

  record(ms: number, times = 1): void {
    const v = ms > 0 && Number.isFinite(ms) ? ms : 0;
    this.counts[histogramBin(v)]! += times;
    this.count += times;
    this.sum += v * times;
    if (v < this.min) this.min = v;
    if (v > this.max) this.max = v;
  }

  /** Adds another histogram's counts (a live one, or a stored sparse one). */
  merge(other: MergeableHistogram | SparseHistogram): this {
    if (other.count === 0) return this;
    if (other instanceof MergeableHistogram) for (let i = 0; i < HISTOGRAM_BINS; i++) this.counts[i]! += other.counts[i]!;
    else for (const [bin, n] of other.bins) this.counts[Math.max(0, Math.min(HISTOGRAM_BINS - 1, bin))]! += n;
    this.count += other.count;
    this.sum += other.sum;
    this.min = Math.min(this.min, other.min);
    this.max = Math.max(this.max, other.max);
    return this;
  }

  /** Nearest-rank percentile, p in [0, 1]: the middle of the bin holding that rank, within [min, max]; 0 when empty. */
  percentile(p: number): number {
    if (this.count === 0) return 0;
    const rank = Math.max(1, Math.ceil(p * this.count));
    if (rank >= this.count) return this.max;
    let seen = 0;
    for (let i = 0; i < HISTOGRAM_BINS; i++) {
      seen += this.counts[i]!;
      if (seen >= rank) {
        const [lo, hi] = histogramBinRange(i);
        return Math.min(this.max, Math.max(this.min, Number.isFinite(hi) ? (lo + hi) / 2 : lo));
      }
    }
    return this.max;
  }

  toSparse(): SparseHistogram {
    const bins: [number, number][] = [];
    for (let i = 0; i < HISTOGRAM_BINS; i++) if (this.counts[i]! > 0) bins.push([i, this.counts[i]!]);
    return this.count === 0 ? { count: 0, sum: 0, min: 0, max: 0, bins } : { count: this.count, sum: Math.round(this.sum * 1000) / 1000, min: this.min, max: this.max, bins };
  }

  static fromSparse(h: SparseHistogram): MergeableHistogram {
    return new MergeableHistogram().merge(h);
  }
}
