import { afterAll, describe, expect, it } from 'vitest';
import { preprocessDetailed } from '../../image/preprocess.ts';
import type { Tensor } from '../../tensor.ts';
import { loadImage } from '../../../node/image-io.ts';
import { openModel } from '../../../node/open-model.ts';
import { ortNodeBackend } from '../../../node/ort-node-backend.ts';
import { Rng } from '../random.ts';
import { kernelShap, shapCoalitions } from './kernelshap.ts';
import { linearModel, reluNet, testValues, toyLenses } from './test-models.ts';

const { lensOf, track, dispose } = toyLenses(ortNodeBackend);
afterAll(dispose);

const binom = (n: number, k: number): number => (k === 0 ? 1 : (binom(n, k - 1) * (n - k + 1)) / k);

describe('shapCoalitions (shap.KernelExplainer sampler)', () => {
  it('small M: every coalition once, with weights proportional to the Shapley kernel, summing to 1', () => {
    const M = 5;
    const { masks, weights } = shapCoalitions(M, 1000, new Rng(0));
    expect(masks).toHaveLength(2 ** M - 2);
    expect(new Set(masks.map((m) => m.join(''))).size).toBe(2 ** M - 2);
    const kernel = (s: number): number => (M - 1) / (binom(M, s) * s * (M - s));
    const ratio = masks.map((m, i) => weights[i]! / kernel(m.reduce((a, b) => a + b, 0)));
    for (const r of ratio) expect(r).toBeCloseTo(ratio[0]!, 12);
    expect(weights.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 12);
  });

  it('large M: exactly nSamples distinct coalitions, complements paired, seeded', () => {
    const a = shapCoalitions(40, 500, new Rng(1));
    expect(a.masks).toHaveLength(500);
    const keys = a.masks.map((m) => m.join(''));
    expect(new Set(keys).size).toBe(500);
    // Sizes 1 and 39 hold 24% of the kernel mass: 500 · 0.24 ≥ 80, so they are enumerated in full;
    // the rest are drawn in complementary pairs.
    expect(a.masks.slice(0, 80).every((m) => { const s = m.reduce((x, y) => x + y, 0); return s === 1 || s === 39; })).toBe(true);
    const set = new Set(keys);
    expect(keys.filter((k) => set.has(k.replace(/./g, (c) => (c === '1' ? '0' : '1')))).length).toBeGreaterThan(480);
    expect(a.weights.reduce((x, y) => x + y, 0)).toBeCloseTo(1, 10);
    expect(a.masks.slice(80).every((m) => { const s = m.reduce((x, y) => x + y, 0); return s > 1 && s < 39; })).toBe(true);
    expect(shapCoalitions(40, 500, new Rng(1)).masks.map((m) => m.join(''))).toEqual(keys);
  });
});

describe('kernelshap', () => {
  it('linear model, zero background, SLIC superpixels: φ_k = Σ_{i∈k} wᵢxᵢ (and Σφ = f(x) − f(0))', async () => {
    const C = 3, H = 24, W = 24;
    const w = testValues(C * H * W, 21), v = testValues(C * H * W, 22);
    // A smooth picture SLIC can segment.
    const x = Float32Array.from({ length: C * H * W }, (_, i) => {
      const c = Math.floor(i / (H * W)), y = Math.floor(i / W) % H, xx = i % W;
      return Math.sin((xx + 3 * c) / 5) + Math.cos(y / 4) + ((y - 12) ** 2 + (xx - 10) ** 2 < 30 ? 1 : 0);
    });
    const lens = lensOf(linearModel(w, v, { C, H, W }));
    const res = await kernelShap.explain({ lens, input: { dtype: 'float32', dims: [1, C, H, W], data: x }, target: 0 }, { nSegments: 30, baseline: 0 });
    const labels = res.arrays!.segments!.data as Int32Array;
    const M = res.meta.extras.segments as number;
    expect(M).toBeGreaterThan(15);
    // 2M + 2048 > 2^M − 2 would enumerate; here M ≥ 16 so coalitions are sampled.
    expect(res.meta.extras.coalitions).toBe(2 * M + 2048);
    const want = new Float64Array(M);
    for (let c = 0; c < C; c++) for (let q = 0; q < H * W; q++) want[labels[q]!]! += w[c * H * W + q]! * x[c * H * W + q]!;
    const phi = res.meta.extras.shapleyValues as number[];
    const scale = Math.max(...want.map(Math.abs));
    want.forEach((wk, k) => expect(Math.abs(phi[k]! - wk)).toBeLessThan(1e-4 * scale));
    expect(res.meta.extras.fBaseline as number).toBeCloseTo(0, 5);
    expect(Math.abs(res.meta.extras.efficiencyDelta as number)).toBeLessThan(1e-9);
  });

  it('non-additive model, 4 grid superpixels: equals the exact Shapley values computed by brute force', async () => {
    const C = 1, H = 4, W = 4;
    const lens = lensOf(reluNet(C, H, W, 5, 3));
    const x = testValues(16, 31).map((t) => t * 2);
    const input: Tensor = { dtype: 'float32', dims: [1, C, H, W], data: x };
    const res = await kernelShap.explain({ lens, input, target: 1 }, { segmentation: 'grid', nSegments: 4, baseline: 0.25 });
    expect(res.meta.extras.coalitions).toBe(14);
    // Grid of 2×2 cells: segment of pixel (y, x) = 2·⌊y/2⌋ + ⌊x/2⌋. Evaluate all 16 coalitions directly.
    const seg = (q: number): number => 2 * Math.floor(Math.floor(q / 4) / 2) + Math.floor((q % 4) / 2);
    const batch = new Float32Array(16 * 16);
    for (let s = 0; s < 16; s++) for (let q = 0; q < 16; q++) batch[s * 16 + q] = (s >> seg(q)) & 1 ? x[q]! : 0.25;
    const y = (await lens.run({ dtype: 'float32', dims: [16, 1, 4, 4], data: batch }))['y']!.data as Float32Array;
    const f = (s: number): number => y[s * 2 + 1]!;
    const fact = [1, 1, 2, 6, 24];
    const shap = [0, 1, 2, 3].map((k) => {
      let phi = 0;
      for (let s = 0; s < 16; s++) {
        if ((s >> k) & 1) continue;
        const size = [0, 1, 2, 3].filter((j) => (s >> j) & 1).length;
        phi += ((fact[size]! * fact[4 - size - 1]!) / fact[4]!) * (f(s | (1 << k)) - f(s));
      }
      return phi;
    });
    const phi = res.meta.extras.shapleyValues as number[];
    shap.forEach((sk, k) => expect(phi[k]).toBeCloseTo(sk, 5));
    // The model really is non-additive here (so an additive shortcut could not pass).
    expect(Math.abs(f(15) - f(0) - [0, 1, 2, 3].reduce((a, k) => a + f(1 << k) - f(0), 0))).toBeGreaterThan(1e-3);
  });

  it('efficiency on the shapes CNN: Σφ = f(x) − f(mean-colour image), both measured independently', async () => {
    const lens = await openModel('models/shapes-cnn.onnx');
    track(lens);
    const img = await loadImage('samples/shapes/star-00.png');
    const { tensor, input } = preprocessDetailed(img, lens.preprocessSpec());
    const res = await kernelShap.explain({ lens, input: tensor, image: input, seed: 1 }, { nSegments: 25, nSamples: 300 });
    const t = res.meta.target as { index: number };
    const fx = ((await lens.run(tensor))['logits']!.data as Float32Array)[t.index]!;
    const mean = new Float32Array(tensor.data.length);
    const hw = 64 * 64;
    for (let c = 0; c < 3; c++) {
      let s = 0;
      for (let q = 0; q < hw; q++) s += tensor.data[c * hw + q]!;
      mean.fill(s / hw, c * hw, (c + 1) * hw);
    }
    const f0 = ((await lens.run({ dtype: 'float32', dims: [1, 3, 64, 64], data: mean }))['logits']!.data as Float32Array)[t.index]!;
    const sum = (res.meta.extras.shapleyValues as number[]).reduce((a, b) => a + b, 0);
    expect(Math.abs(sum - (fx - f0))).toBeLessThan(1e-4 * Math.abs(fx - f0));
    expect(res.meta.extras.topSuperpixels).toHaveLength(5);
  });
});
