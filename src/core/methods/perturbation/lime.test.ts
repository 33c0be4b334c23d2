import { afterAll, describe, expect, it } from 'vitest';
import type { Tensor } from '../../tensor.ts';
import { ortNodeBackend } from '../../../node/ort-node-backend.ts';
import { lime } from './lime.ts';
import { linearModel, testValues, toyLenses } from './test-models.ts';

const { lensOf, dispose } = toyLenses(ortNodeBackend);
afterAll(dispose);

const C = 3, H = 16, W = 16;
const w = testValues(C * H * W, 11), v = testValues(C * H * W, 12), x = testValues(C * H * W, 13);
const input: Tensor = { dtype: 'float32', dims: [1, C, H, W], data: x };
// A smooth picture (colour ramps and a bright disc) that SLIC can segment; x above is noise.
const smooth = Float32Array.from({ length: C * H * W }, (_, i) => {
  const c = Math.floor(i / (H * W)), y = Math.floor(i / W) % H, xx = i % W;
  const disc = (y - 9) ** 2 + (xx - 6) ** 2 < 16 ? 1.5 : 0;
  return (c === 0 ? xx / W : c === 1 ? y / H : 0.5) - 0.5 + disc;
});

/** Σ_{i ∈ segment k} w_i (x_i − b_i) per segment, for an NCHW linear model. */
function segmentSums(labels: Int32Array, count: number, base: (c: number, q: number) => number): Float64Array {
  const out = new Float64Array(count);
  for (let c = 0; c < C; c++) for (let q = 0; q < H * W; q++) out[labels[q]!]! += w[c * H * W + q]! * (x[c * H * W + q]! - base(c, q));
  return out;
}

describe('lime on a linear model', () => {
  it('recovers Σ_{i∈segment} wᵢxᵢ exactly without regularisation (zero baseline), R² = 1', async () => {
    const lens = lensOf(linearModel(w, v, { C, H, W }));
    const res = await lime.explain({ lens, input, target: 0 }, { segmentation: 'grid', nSegments: 16, baseline: 0, alpha: 0, numSamples: 300 });
    const seg = res.arrays!.segments!;
    expect(seg.dims).toEqual([1, 1, H, W]);
    const labels = seg.data as Int32Array;
    const want = segmentSums(labels, 16, () => 0);
    const weights = res.meta.extras.weights as number[];
    const scale = Math.max(...want.map(Math.abs));
    want.forEach((wk, k) => expect(Math.abs(weights[k]! - wk)).toBeLessThan(1e-4 * scale));
    for (let q = 0; q < H * W; q++) expect(res.map.data[q]).toBeCloseTo(weights[labels[q]!]!, 6);
    expect(res.meta.extras.r2 as number).toBeCloseTo(1, 6);
    expect(res.meta.extras.intercept as number).toBeCloseTo(0, 4);
    const top = res.meta.extras.topSuperpixels as { segment: number; weight: number; pixels: number }[];
    expect(top).toHaveLength(5);
    expect(top[0]!.pixels).toBe(16);
    expect(Math.abs(top[0]!.weight)).toBeCloseTo(scale, 4);
    for (let i = 1; i < top.length; i++) expect(Math.abs(top[i - 1]!.weight)).toBeGreaterThanOrEqual(Math.abs(top[i]!.weight));
  });

  it("with lime's settings (ridge α = 1, 1000 samples, segment-mean baseline) recovers them within 2%", async () => {
    const lens = lensOf(linearModel(w, v, { C, H, W }));
    const x = smooth;
    const res = await lime.explain({ lens, input: { dtype: 'float32', dims: [1, C, H, W], data: x }, target: 1, seed: 2 }, { nSegments: 12, baseline: 'segment-mean' });
    const labels = res.arrays!.segments!.data as Int32Array;
    const M = res.meta.extras.segments as number;
    expect(M).toBeGreaterThan(6);
    // Segment-mean baseline: b = the segment's per-channel mean of x. The model output is target 1 (v).
    const mean = new Float64Array(M * C), cnt = new Float64Array(M);
    for (let q = 0; q < H * W; q++) cnt[labels[q]!]!++;
    for (let c = 0; c < C; c++) for (let q = 0; q < H * W; q++) mean[labels[q]! * C + c]! += x[c * H * W + q]! / cnt[labels[q]!]!;
    const want = new Float64Array(M);
    for (let c = 0; c < C; c++) for (let q = 0; q < H * W; q++) want[labels[q]!]! += v[c * H * W + q]! * (x[c * H * W + q]! - mean[labels[q]! * C + c]!);
    const weights = res.meta.extras.weights as number[];
    const scale = Math.max(...want.map(Math.abs));
    want.forEach((wk, k) => expect(Math.abs(weights[k]! - wk)).toBeLessThan(0.02 * scale));
    expect(res.meta.params).toMatchObject({ numSamples: 1000, kernelWidth: 0.25, alpha: 1, baseline: 'segment-mean', segmentation: 'slic' });
    expect(res.meta.seed).toBe(2);
  });

  it('is reproducible for a seed and NHWC gives the same weights', async () => {
    const lens = lensOf(linearModel(w, v, { C, H, W }));
    const a = await lime.explain({ lens, input, seed: 5 }, { segmentation: 'grid', nSegments: 9, numSamples: 200 });
    const b = await lime.explain({ lens, input, seed: 5 }, { segmentation: 'grid', nSegments: 9, numSamples: 200 });
    const c = await lime.explain({ lens, input, seed: 6 }, { segmentation: 'grid', nSegments: 9, numSamples: 200 });
    expect(b.map.data).toEqual(a.map.data);
    expect(c.map.data).not.toEqual(a.map.data);
    expect(a.meta.params).toMatchObject({ baseline: 'mean', numSamples: 200, segmentation: 'grid' });
    // The same model and image laid out NHWC.
    const toNhwc = (a: Float32Array): Float32Array => {
      const out = new Float32Array(a.length);
      for (let ch = 0; ch < C; ch++) for (let q = 0; q < H * W; q++) out[q * C + ch] = a[ch * H * W + q]!;
      return out;
    };
    const nhwc = lensOf(linearModel(toNhwc(w), toNhwc(v), { C, H, W, layout: 'NHWC' }));
    const d = await lime.explain({ lens: nhwc, input: { dtype: 'float32', dims: [1, H, W, C], data: toNhwc(x) }, seed: 5 }, { segmentation: 'grid', nSegments: 9, numSamples: 200 });
    const wa = a.meta.extras.weights as number[], wd = d.meta.extras.weights as number[];
    wa.forEach((wk, k) => expect(wd[k]).toBeCloseTo(wk, 4));
  });
});
