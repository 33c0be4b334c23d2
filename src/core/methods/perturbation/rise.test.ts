import { afterAll, describe, expect, it } from 'vitest';
import type { Tensor } from '../../tensor.ts';
import { ortNodeBackend } from '../../../node/ort-node-backend.ts';
import { Rng } from '../random.ts';
import { rise, riseMasks } from './rise.ts';
import { linearModel, testValues, toyLenses } from './test-models.ts';

const { lensOf, dispose } = toyLenses(ortNodeBackend);
afterAll(dispose);

describe('riseMasks', () => {
  it('cell size ⌈H/s⌉, values in [0, 1], mean ≈ p, smooth (bilinear) and shifted', () => {
    const H = 20, W = 13, s = 4, p = 0.3;
    const gen = riseMasks(H, W, s, p, new Rng(5));
    expect([gen.cellH, gen.cellW]).toEqual([5, 4]);
    const m = new Float32Array(H * W);
    let sum = 0, binary = 0, maxStep = 0, lo = 1, hi = 0;
    const n = 3000;
    for (let i = 0; i < n; i++) {
      gen.next(m);
      for (let q = 0; q < H * W; q++) {
        const v = m[q]!;
        lo = Math.min(lo, v); hi = Math.max(hi, v);
        sum += v;
        if (v === 0 || v === 1) binary++;
        if (q % W > 0) maxStep = Math.max(maxStep, Math.abs(v - m[q - 1]!));
      }
    }
    expect([lo, hi]).toEqual([0, 1]);
    expect(sum / (n * H * W)).toBeCloseTo(p, 2);
    // Bilinear upsampling: most values are in between, and neighbours differ by at most one cell's ramp.
    expect(binary / (n * H * W)).toBeLessThan(0.6);
    expect(maxStep).toBeLessThanOrEqual(1 / gen.cellW + 1e-6);
  });

  it('p = 1 keeps everything, p → 0 removes everything', () => {
    const m = new Float32Array(64);
    riseMasks(8, 8, 2, 1, new Rng(0)).next(m);
    expect([...m].every((v) => v === 1)).toBe(true);
    riseMasks(8, 8, 2, 1e-9, new Rng(0)).next(m);
    expect([...m].every((v) => v === 0)).toBe(true);
  });
});

describe('rise', () => {
  const C = 3, H = 12, W = 10;
  const w = testValues(C * H * W, 1), v = testValues(C * H * W, 2), x = testValues(C * H * W, 3);
  const input: Tensor = { dtype: 'float32', dims: [1, C, H, W], data: x };

  it('is Σ f(x ⊙ Mᵢ) Mᵢ / (N p) over the seeded masks (checked against a direct computation)', async () => {
    const lens = lensOf(linearModel(w, v, { C, H, W }));
    const n = 150, s = 3, p = 0.4;
    const res = await rise.explain({ lens, input, target: 0, seed: 9, batchSize: 32 }, { n, s, p });
    const gen = riseMasks(H, W, s, p, new Rng(9));
    const m = new Float32Array(H * W), want = new Float64Array(H * W);
    for (let i = 0; i < n; i++) {
      gen.next(m);
      let f = 0;
      for (let c = 0; c < C; c++) for (let q = 0; q < H * W; q++) f += w[c * H * W + q]! * x[c * H * W + q]! * m[q]!;
      for (let q = 0; q < H * W; q++) want[q]! += (f * m[q]!) / (n * p);
    }
    const scale = Math.max(...want.map(Math.abs));
    for (let q = 0; q < H * W; q++) expect(Math.abs(res.map.data[q]! - want[q]!)).toBeLessThan(1e-4 * scale);
    expect(res.meta).toMatchObject({ method: 'rise', seed: 9, params: { n, s, p, baseline: 0 }, extras: { cellSize: [4, 4] } });
    expect(res.meta.timing).toMatchObject({ samples: 1 + n, runs: 1 + Math.ceil(n / 32) });
  });

  it('depends on the seed only: same seed → same map whatever the batch size or batch axis; another seed → another map', async () => {
    const dyn = lensOf(linearModel(w, v, { C, H, W }));
    const fixed = lensOf(linearModel(w, v, { C, H, W, batch: 1 }));
    const a = await rise.explain({ lens: dyn, input, seed: 3, batchSize: 64 }, { n: 40 });
    const b = await rise.explain({ lens: dyn, input, seed: 3, batchSize: 7 }, { n: 40 });
    const c = await rise.explain({ lens: fixed, input, seed: 3 }, { n: 40 });
    const d = await rise.explain({ lens: dyn, input, seed: 4 }, { n: 40 });
    expect(b.map.data).toEqual(a.map.data);
    expect(c.meta.timing.runs).toBe(41);
    for (let q = 0; q < H * W; q++) expect(c.map.data[q]).toBeCloseTo(a.map.data[q]!, 4);
    expect(d.map.data).not.toEqual(a.map.data);
  });

  it('with a non-zero baseline masks towards it: b + (x − b) ⊙ M', async () => {
    // Constant baseline b = x everywhere → every masked copy is x itself → S = f(x) · mean(M)/p ≈ f(x).
    const flat = new Float32Array(C * H * W).fill(0.5);
    const lens = lensOf(linearModel(w, v, { C, H, W }));
    const res = await rise.explain({ lens, input: { dtype: 'float32', dims: [1, C, H, W], data: flat }, target: 0 }, { n: 400, baseline: 0.5 });
    const fx = res.meta.extras.fx as number;
    let mean = 0;
    for (const q of res.map.data) mean += q / (H * W);
    expect(mean / fx).toBeCloseTo(1, 1);
  });
});
