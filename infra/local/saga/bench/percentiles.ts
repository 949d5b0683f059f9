/** Latency summaries: nearest-rank percentiles over a sample of milliseconds. */

/** p50, p90, p99 and max of a sample, in ms (nearest rank); all undefined for an empty sample. */
export type LatencySummary = { count: number; p50?: number; p90?: number; p99?: number; max?: number };

/** The nearest-rank percentile `p` (0 < p ≤ 100) of an ascending sample. */
export const percentile = (ascending: readonly number[], p: number): number | undefined => {
  if (ascending.length === 0) return undefined;
  const rank = Math.ceil((p / 100) * ascending.length);
  return ascending[Math.min(ascending.length, Math.max(1, rank)) - 1];
};

/** Summarizes a sample (in any order). */
export const summarize = (sample: readonly number[]): LatencySummary => {
  const ascending = [...sample].sort((a, b) => a - b);
  return {
    count: ascending.length,
    p50: percentile(ascending, 50),
    p90: percentile(ascending, 90),
    p99: percentile(ascending, 99),
    max: ascending.at(-1),
  };
};

/** The median and the spread (min–max) of a sample. */
export const medianAndSpread = (sample: readonly number[]) => {
  const ascending = [...sample].sort((a, b) => a - b);
  return { median: percentile(ascending, 50), min: ascending[0], max: ascending.at(-1) };
};
