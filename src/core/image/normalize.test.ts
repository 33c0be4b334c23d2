// Tests for display normalisation: statistics skip NaN/Inf (kept as NaN and counted), shared and
// symmetric scaling, and Captum's cumulative-sum outlier threshold versus a plain quantile.
import { describe, expect, it } from 'vitest';
import { finiteStats, normalizeMinMax, normalizeOutliers, normalizeShared, normalizeSymmetric, percentileRange } from './normalize.ts';

const arr = (a: ArrayLike<number>): number[] => Array.from(a, (v) => (Number.isNaN(v) ? NaN : Math.round(v * 1e6) / 1e6));

describe('min-max family', () => {
  it('finiteStats ignores NaN and ±Inf', () => {
    expect(finiteStats([NaN, 3, -Infinity, -2, Infinity])).toEqual({ min: -2, max: 3, finite: 2, nonFinite: 3 });
    expect(finiteStats([NaN])).toMatchObject({ finite: 0, nonFinite: 1 });
  });

  it('normalizeMinMax scales finite values to [0, 1] and keeps NaN for the colour map to mark', () => {
    const r = normalizeMinMax(new Float32Array([2, NaN, 4, Infinity, 3]));
    expect(arr(r.values)).toEqual([0, NaN, 1, NaN, 0.5]);
    expect([r.low, r.high, r.nonFinite]).toEqual([2, 4, 2]);
    expect(arr(normalizeMinMax([5, 5, 5]).values)).toEqual([0, 0, 0]);
    expect(arr(normalizeMinMax([0, 5, 10], { range: [0, 5] }).values)).toEqual([0, 1, 1]);
  });

  it('normalizeShared uses one range for all maps', () => {
    const [a, b] = normalizeShared([[0, 1], [NaN, 4]]);
    expect(arr(a!.values)).toEqual([0, 0.25]);
    expect(arr(b!.values)).toEqual([NaN, 1]);
    expect([a!.low, a!.high, b!.nonFinite]).toEqual([0, 4, 1]);
  });

  it('normalizeSymmetric divides by max |x| and keeps 0 at 0', () => {
    const r = normalizeSymmetric([-4, 2, 0, NaN]);
    expect(arr(r.values)).toEqual([-1, 0.5, 0, NaN]);
    expect([r.low, r.high, r.nonFinite]).toEqual([-4, 4, 1]);
  });

  it('percentileRange interpolates like numpy.percentile', () => {
    const v = Array.from({ length: 101 }, (_, i) => i); // 0..100
    expect(percentileRange(v, 2, 98)).toEqual([2, 98]);
    expect(percentileRange([1, 2, NaN, 3, 4], 50, 100)).toEqual([2.5, 4]);
  });
});

describe('normalizeOutliers (Captum _normalize_attr)', () => {
  it('cumulative-sum threshold: a value holding most of the mass is not an outlier', () => {
    // 99 ones and one 1000: the running sum only reaches 98% of 1099 at the 1000 → threshold 1000.
    const v = [...Array<number>(99).fill(1), 1000];
    const r = normalizeOutliers(v, { sign: 'absolute', outlierPercent: 2 });
    expect(r.high).toBe(1000);
    expect(r.values[0]).toBeCloseTo(0.001, 6);
    // the quantile threshold is the 98th percentile of values instead → 1, and the 1000 is clipped
    const q = normalizeOutliers(v, { sign: 'absolute', outlierPercent: 2, threshold: 'quantile' });
    expect(q.high).toBe(1);
    expect([q.values[0], q.values[99]]).toEqual([1, 1]);
  });

  it('cumulative-sum threshold clips the tail of the mass', () => {
    // sorted 1 x10 then 10: total 20, half the mass is reached at the 10th one → threshold 1.
    const r = normalizeOutliers([10, ...Array<number>(10).fill(1)], { outlierPercent: 50 });
    expect(r.high).toBe(1);
    expect(r.values[0]).toBe(1);
  });

  it("sign 'all' keeps the sign in [-1, 1]; 'positive'/'negative' select one side", () => {
    expect(arr(normalizeOutliers([-4, 2, 0], { sign: 'all', outlierPercent: 0 }).values)).toEqual([-1, 0.5, 0]);
    expect(arr(normalizeOutliers([-4, 2, 0], { sign: 'positive', outlierPercent: 0 }).values)).toEqual([0, 1, 0]);
    expect(arr(normalizeOutliers([-4, 2, -1], { sign: 'negative', outlierPercent: 0 }).values)).toEqual([1, 0, 0.25]);
    expect(arr(normalizeOutliers([-4, 2, 0], { sign: 'absolute', outlierPercent: 0 }).values)).toEqual([1, 0.5, 0]);
  });

  it('skips non-finite values and returns zeros when there is no signal', () => {
    const r = normalizeOutliers([NaN, 0, 0, Infinity]);
    expect(arr(r.values)).toEqual([NaN, 0, 0, NaN]);
    expect(r.nonFinite).toBe(2);
  });

  it('rejects bad options', () => {
    expect(() => normalizeOutliers([1], { outlierPercent: 100 })).toThrow(/outlierPercent/);
    expect(() => normalizeOutliers([1], { sign: 'both' as 'all' })).toThrow(/unknown sign/);
  });
});
