// PyTorch parity of the gradient family: every method against an independent torch.autograd
// implementation of its published formula (scripts/fixtures/gradient_refs.py → test/fixtures/explain/
// gradient/), on the mnist-cnn demo model (two real digits, batch 2: each item its own top-1 class) and
// the torchvision resnet18_narrow fixture. Tolerance: max |convlens − ref| ≤ 1e-4 · max |ref|.
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseNpy } from '../../io/npy.ts';
import type { Lens } from '../../lens.ts';
import type { Tensor } from '../../tensor.ts';
import { openModel } from '../../../node/open-model.ts';
import { deconvnet, gradient, gradXInput, guidedBackprop, guidedGradCam, integratedGradients, saliency, smoothgrad } from './index.ts';

const dir = join(dirname(fileURLToPath(import.meta.url)), '../../../../test/fixtures/explain/gradient');

interface Fixture {
  onnx: string;
  input_shape: number[];
  classes: number[];
  files: Record<string, string>;
  ig: { steps: number; rules: Record<string, { fx: number[]; fBaseline: number[]; delta: number[] }> };
  smoothgrad: { n: number; sigma: number } | null;
  guided_gradcam: { layer_tensor: string } | null;
}

const fixture = (name: string): Fixture => JSON.parse(readFileSync(join(dir, `${name}.json`), 'utf8')) as Fixture;
const npy = (file: string): Tensor => parseNpy(new Uint8Array(readFileSync(join(dir, file))));

/** max |a − b| / max |b|, reporting the first worst index. */
function relErr(a: ArrayLike<number>, b: ArrayLike<number>): { rel: number; at: number } {
  expect(a.length).toBe(b.length);
  let maxB = 0, maxD = 0, at = -1;
  for (let i = 0; i < b.length; i++) {
    maxB = Math.max(maxB, Math.abs(b[i]!));
    const d = Math.abs(a[i]! - b[i]!);
    if (d > maxD) { maxD = d; at = i; }
  }
  return { rel: maxD / Math.max(maxB, 1e-30), at };
}

function expectClose(got: Tensor, ref: Tensor, what: string): void {
  expect(got.dims, `${what} dims`).toEqual(ref.dims);
  const { rel, at } = relErr(got.data as Float32Array, ref.data as Float32Array);
  if (process.env.CONVLENS_PARITY_REPORT) console.log(`parity ${what} rel ${rel.toExponential(2)}`);
  expect(rel, `${what}: relative error ${rel.toExponential(2)} at index ${at}`).toBeLessThanOrEqual(1e-4);
}

describe('gradient family matches PyTorch references (mnist-cnn, batch 2)', () => {
  const fx = fixture('mnist');
  let lens: Lens;
  const input = npy(fx.files.input!);
  beforeAll(async () => { lens = await openModel(join(dir, fx.onnx)); });
  afterAll(async () => { await lens.dispose(); });

  it('gradient, saliency (map = max_c |g|), grad × input; each item its own top-1 class', async () => {
    const g = await gradient.explain({ lens, input });
    expect(g.meta.extras.targets).toEqual(fx.classes.map((c) => expect.objectContaining({ kind: 'class', index: c })));
    expectClose(g.attribution!, npy(fx.files.gradient!), 'gradient');
    const s = await saliency.explain({ lens, input });
    expectClose(s.map, npy(fx.files.saliency_map!), 'saliency map');
    const gi = await gradXInput.explain({ lens, input });
    expectClose(gi.attribution!, npy(fx.files.gradxinput!), 'grad × input');
  });

  it('integrated gradients, riemann_trapezoid and gausslegendre (16 steps, zero baseline), with the completeness delta', async () => {
    for (const method of ['riemann_trapezoid', 'gausslegendre'] as const) {
      const r = await integratedGradients.explain({ lens, input }, { steps: fx.ig.steps, method, baseline: 'zeros' });
      expectClose(r.attribution!, npy(fx.files[`ig_${method}`]!), `ig ${method}`);
      const ref = fx.ig.rules[method]!;
      const delta = r.meta.extras.delta as number[];
      const fb = r.meta.extras.fBaseline as number[];
      ref.delta.forEach((d, b) => {
        expect(Math.abs(delta[b]! - d), `delta ${method} item ${b}`).toBeLessThan(1e-3 * Math.max(1, Math.abs(ref.fx[b]! - ref.fBaseline[b]!)));
        expect(fb[b]).toBeCloseTo(ref.fBaseline[b]!, 4);
      });
      // one runtime call for all 2 × 16 path points (+ the scoring forward pass)
      expect(r.meta.timing.runs).toBe(2);
    }
  });

  it('guided backprop and deconvnet', async () => {
    expectClose((await guidedBackprop.explain({ lens, input })).attribution!, npy(fx.files.guided!), 'guided');
    expectClose((await deconvnet.explain({ lens, input })).attribution!, npy(fx.files.deconvnet!), 'deconvnet');
  });

  it('smoothgrad, smoothgrad_sq and vargrad with the reference noise', async () => {
    const noise = npy(fx.files.smoothgrad_noise!);
    const { n, sigma } = fx.smoothgrad!;
    for (const variant of ['smoothgrad', 'smoothgrad_sq', 'vargrad'] as const) {
      const r = await smoothgrad.explain({ lens, input }, { n, sigma, variant, noise });
      expectClose(r.attribution!, npy(fx.files[variant]!), variant);
      expect(r.meta.params.noise).toEqual({ tensor: noise.dims, dtype: 'float32' });
    }
  });

  it('guided Grad-CAM = guided backprop ⊙ bilinearly upsampled raw Grad-CAM (last ReLU)', async () => {
    const r = await guidedGradCam.explain({ lens, input }, { layer: fx.guided_gradcam!.layer_tensor });
    expectClose(r.attribution!, npy(fx.files.guided_gradcam!), 'guided grad-cam');
    expect(r.meta.timing.runs).toBeGreaterThanOrEqual(3);
    // the default layer is that same last ReLU here
    const d = await guidedGradCam.explain({ lens, input });
    expectClose(d.attribution!, npy(fx.files.guided_gradcam!), 'guided grad-cam, default layer');
  });

  it('the references discriminate: guided ≠ gradient ≠ deconvnet, trapezoid ≠ gauss-legendre', () => {
    const far = (a: string, b: string) => relErr(npy(fx.files[a]!).data as Float32Array, npy(fx.files[b]!).data as Float32Array).rel;
    expect(far('guided', 'gradient')).toBeGreaterThan(0.05);
    expect(far('deconvnet', 'guided')).toBeGreaterThan(0.05);
    expect(far('ig_riemann_trapezoid', 'ig_gausslegendre')).toBeGreaterThan(1e-3);
    expect(far('smoothgrad', 'gradient')).toBeGreaterThan(0.05);
    expect(far('guided_gradcam', 'guided')).toBeGreaterThan(0.05);
  });
});

describe('gradient family matches PyTorch references (torchvision resnet18_narrow)', () => {
  const fx = fixture('resnet18_narrow');
  let lens: Lens;
  const input = npy(fx.files.input!);
  beforeAll(async () => { lens = await openModel(join(dir, fx.onnx)); });
  afterAll(async () => { await lens.dispose(); });

  it('gradient, guided backprop, deconvnet, IG (gausslegendre, 16 steps)', async () => {
    const g = await gradient.explain({ lens, input });
    expect(g.meta.target).toMatchObject({ kind: 'class', index: fx.classes[0] });
    expectClose(g.attribution!, npy(fx.files.gradient!), 'gradient');
    expectClose((await guidedBackprop.explain({ lens, input })).attribution!, npy(fx.files.guided!), 'guided');
    expectClose((await deconvnet.explain({ lens, input })).attribution!, npy(fx.files.deconvnet!), 'deconvnet');
    const ig = await integratedGradients.explain({ lens, input }, { steps: fx.ig.steps, method: 'gausslegendre' });
    expectClose(ig.attribution!, npy(fx.files.ig_gausslegendre!), 'ig gausslegendre');
  });
});
