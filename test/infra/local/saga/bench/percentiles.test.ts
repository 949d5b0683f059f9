import { describe, expect, it } from 'vitest';
import { medianAndSpread, percentile, summarize } from '../../../../../infra/local/saga/bench/percentiles.js';

describe('percentiles', () => {
  it('takes the nearest rank', () => {
    const hundred = Array.from({ length: 100 }, (_, i) => i + 1);
    expect(percentile(hundred, 50)).toBe(50);
    expect(percentile(hundred, 90)).toBe(90);
    expect(percentile(hundred, 99)).toBe(99);
    expect(percentile(hundred, 100)).toBe(100);
    expect(percentile([7], 99)).toBe(7);
    expect(percentile([], 50)).toBeUndefined();
  });

  it('summarizes a sample in any order', () => {
    expect(summarize([30, 10, 20, 40])).toEqual({ count: 4, p50: 20, p90: 40, p99: 40, max: 40 });
    expect(summarize([])).toEqual({
      count: 0,
      p50: undefined,
      p90: undefined,
      p99: undefined,
      max: undefined,
    });
  });

  it('gives the median and the spread', () => {
    expect(medianAndSpread([200, 180, 250, 190, 210])).toEqual({ median: 200, min: 180, max: 250 });
  });
});
