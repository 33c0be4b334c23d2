// Integrated Gradients on the demo models: completeness (Σ attr = F(x) − F(x'), Sundararajan et al. 2017,
// Prop. 1) at 64 steps for every quadrature rule, the baselines, and batching.
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { preprocess } from '../../image/preprocess.ts';
import type { Lens } from '../../lens.ts';
import type { Tensor } from '../../tensor.ts';
import { loadImage } from '../../../node/image-io.ts';
import { openModel } from '../../../node/open-model.ts';
import { integratedGradients } from './index.ts';

const root = join(dirname(fileURLToPath(import.meta.url)), '../../../..');

async function batch(lens: Lens, files: string[]): Promise<Tensor> {
  const parts = await Promise.all(files.map(async (f) => preprocess(await loadImage(join(root, f)), lens.preprocessSpec()).data as Float32Array));
  const dims = [files.length, ...lens.inputShape().slice(1)];
  return { dtype: 'float32', dims, data: Float32Array.from(parts.flatMap((p) => [...p])) };
}

interface IgExtras { delta: number[]; relativeDelta: number[]; fx: number[]; fBaseline: number[]; attributionSum: number[] }

for (const [model, files] of [
  ['shapes-cnn', ['samples/shapes/triangle-00.png', 'samples/shapes/star-01.png']],
  ['mnist-cnn', ['samples/mnist/digit-0.png', 'samples/mnist/digit-6.png']],
] as const) {
  describe(`integrated gradients on ${model}`, () => {
    let lens: Lens;
    let input: Tensor;
    beforeAll(async () => { lens = await openModel(join(root, `models/${model}.onnx`)); input = await batch(lens, [...files]); });
    afterAll(async () => { await lens.dispose(); });

    it('completeness at 64 steps: |δ| ≤ 1% of |F(x) − F(0)| for gausslegendre and riemann_middle', async () => {
      for (const method of ['gausslegendre', 'riemann_middle'] as const) {
        const r = await integratedGradients.explain({ lens, input }, { steps: 64, method });
        const e = r.meta.extras as unknown as IgExtras;
        e.relativeDelta.forEach((d, b) => expect(d, `${method} item ${b}: δ = ${e.delta[b]}`).toBeLessThanOrEqual(0.01));
        // the delta is what it says: Σ attribution − (F(x) − F(x'))
        const sum0 = (r.attribution!.data as Float32Array).subarray(0, r.attribution!.data.length / 2).reduce((a, v) => a + v, 0);
        expect(sum0).toBeCloseTo(e.attributionSum[0]!, 2);
        expect(e.delta[0]).toBeCloseTo(e.attributionSum[0]! - (e.fx[0]! - e.fBaseline[0]!), 6);
        expect(Math.abs(e.fx[0]! - e.fBaseline[0]!)).toBeGreaterThan(1); // not a vacuous check
      }
    });

    // the slower checks below run on the small model only (shapes-cnn: ~7 s each on 2 cores)
    const small = model === 'mnist-cnn' ? it : ((() => undefined) as unknown as typeof it);
    small("first-order rules at 64 steps: riemann_left / riemann_right within 3%; Captum's riemann_trapezoid has a −1/n bias on top", async () => {
      const rel: Record<string, number[]> = {};
      for (const method of ['riemann_left', 'riemann_right', 'riemann_trapezoid'] as const) {
        const e = (await integratedGradients.explain({ lens, input }, { steps: 64, method })).meta.extras as unknown as IgExtras;
        rel[method] = e.delta.map((d, b) => d / (e.fx[b]! - e.fBaseline[b]!));
        e.relativeDelta.forEach((d, b) => expect(d, `${method} item ${b}`).toBeLessThanOrEqual(0.03));
      }
      // Captum's trapezoid weights sum to 63/64: it integrates (63/64)·F along the path, i.e. δ/ΔF ≈ −1/64
      // plus the trapezoid error, which is close to the mean of the left and right Riemann errors
      rel.riemann_trapezoid!.forEach((t, b) => {
        const rule = (rel.riemann_left![b]! + rel.riemann_right![b]!) / 2;
        expect(Math.abs(t - (rule - 1 / 64)), `item ${b}`).toBeLessThan(0.006);
      });
    });

    small('baselines: blur, uniform, mean, constant, and the input itself (→ zero attribution)', async () => {
      const item: Tensor = { dtype: 'float32', dims: [1, ...input.dims.slice(1)], data: (input.data as Float32Array).slice(0, input.data.length / 2) };
      for (const baseline of ['blur', 'uniform', 'mean', -0.5] as const) {
        const r = await integratedGradients.explain({ lens, input: item, seed: 5 }, { steps: 64, baseline });
        const e = r.meta.extras as unknown as IgExtras;
        expect(e.relativeDelta[0], `baseline ${baseline}`).toBeLessThan(0.02);
        expect(r.arrays!.baseline!.dims).toEqual(item.dims);
        expect(r.meta.seed).toBe(baseline === 'uniform' ? 5 : null);
        if (baseline === 'blur') expect(typeof r.meta.params.blurSigma).toBe('number');
      }
      const self = await integratedGradients.explain({ lens, input: item }, { steps: 4, baseline: item });
      expect(Math.max(...(self.attribution!.data as Float32Array).map(Math.abs))).toBe(0);
      expect(self.meta.params.baseline).toEqual({ tensor: item.dims, dtype: 'float32' });
      await expect(integratedGradients.explain({ lens, input: item }, { baseline: { dtype: 'float32', dims: [3], data: new Float32Array(3) } })).rejects.toThrow(/does not fit the input/);
    });
  });
}
