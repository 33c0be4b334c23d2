// The gradient pipeline: targets → seeds, batching/chunking (dynamic, capped and fixed batch axes),
// NHWC inputs, the logits behind a final Softmax, and the errors a user can cause.
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isConvlensError } from '../../errors.ts';
import { preprocess } from '../../image/preprocess.ts';
import { Lens } from '../../lens.ts';
import { makeNode, makeTensor, makeValueInfo } from '../../onnx/build.ts';
import { cloneModel, decodeModel, encodeModel } from '../../onnx/codec.ts';
import { DataType } from '../../onnx/proto-types.ts';
import type { ModelProto } from '../../onnx/proto-types.ts';
import type { Tensor } from '../../tensor.ts';
import { loadImage } from '../../../node/image-io.ts';
import { openModel } from '../../../node/open-model.ts';
import { ortNodeBackend } from '../../../node/ort-node-backend.ts';
import { resolveTarget, targetScore } from '../target.ts';
import type { Target } from '../target.ts';
import { seedWeights } from '../cam/base-cam.ts';
import { GRADIENT_FREE_METHODS, inputGeometry, reduceChannels } from './base.ts';
import { gradient, integratedGradients, saliency, smoothgrad } from './index.ts';

const root = join(dirname(fileURLToPath(import.meta.url)), '../../../..');
const mnistBytes = readFileSync(join(root, 'models/mnist-cnn.onnx'));

function maxRel(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let m = 0, d = 0;
  for (let i = 0; i < b.length; i++) { m = Math.max(m, Math.abs(b[i]!)); d = Math.max(d, Math.abs(a[i]! - b[i]!)); }
  return d / Math.max(m, 1e-30);
}

/** mnist-cnn with its input fixed to batch 1 (like many exports). */
function fixedBatchModel(): ModelProto {
  const m = cloneModel(decodeModel(new Uint8Array(mnistBytes)));
  m.graph!.input![0]!.type!.tensorType!.shape!.dim![0] = { dimValue: 1 };
  return m;
}

/** shapes-cnn fed NHWC: input [N, 64, 64, 3] → Transpose → the original NCHW graph. */
function nhwcModel(): ModelProto {
  const m = cloneModel(decodeModel(new Uint8Array(readFileSync(join(root, 'models/shapes-cnn.onnx')))));
  const g = m.graph!;
  g.node = [makeNode('Transpose', ['input_nhwc'], ['input'], { perm: [0, 3, 1, 2] }, '/to_nchw'), ...(g.node ?? [])];
  g.input = [makeValueInfo('input_nhwc', DataType.FLOAT, ['N', 64, 64, 3]), ...(g.input ?? []).filter((v) => v.name !== 'input')];
  return decodeModel(encodeModel(m));
}

/** [N, C, H, W] → [N, H, W, C]. */
function toNhwc(t: Tensor): Tensor<'float32'> {
  const [N, C, H, W] = t.dims as [number, number, number, number];
  const src = t.data as Float32Array;
  const out = new Float32Array(src.length);
  for (let n = 0; n < N; n++) for (let c = 0; c < C; c++) for (let p = 0; p < H * W; p++) out[((n * H * W) + p) * C + c] = src[(n * C + c) * H * W + p]!;
  return { dtype: 'float32', dims: [N, H, W, C], data: out };
}

/** x → Sin → Flatten → Gemm: Sin has no backward rule. */
function sinModel(): ModelProto {
  return decodeModel(encodeModel({
    irVersion: 8,
    opsetImport: [{ domain: '', version: 13 }],
    graph: {
      name: 'sin',
      node: [
        makeNode('Sin', ['x'], ['s'], {}, '/act/Sin'),
        makeNode('Flatten', ['s'], ['f'], { axis: 1 }, '/flatten'),
        makeNode('Gemm', ['f', 'w', 'b'], ['y'], { transB: 1 }, '/fc/Gemm'),
      ],
      initializer: [makeTensor('w', [3, 12], Array.from({ length: 36 }, (_, i) => Math.sin(i))), makeTensor('b', [3], [0.1, 0.2, 0.3])],
      input: [makeValueInfo('x', DataType.FLOAT, ['N', 3, 2, 2])],
      output: [makeValueInfo('y', DataType.FLOAT, ['N', 3])],
    },
  }));
}

describe('the seeds the pipeline feeds: Σ seed ⊙ scores equals the target score', () => {
  const dims = [1, 3, 4, 5];
  const scores: Tensor = { dtype: 'float32', dims, data: Float32Array.from({ length: 60 }, (_, i) => Math.cos(i * 0.7)) };
  const dot = (row: Float32Array) => row.reduce((s, v, i) => s + v * (scores.data as Float32Array)[i]!, 0);
  it('region and mask targets on a dense output, class targets on a vector', () => {
    const region = resolveTarget({ region: [1, 1, 4, 3], channel: 2 }, scores)[0]!;
    expect(dot(seedWeights(region, dims))).toBeCloseTo(targetScore(scores, region)[0]!, 5);
    const mask = resolveTarget({ mask: { width: 5, height: 4, data: Array.from({ length: 20 }, (_, i) => (i % 3) / 2) } }, scores)[0]!;
    expect(dot(seedWeights(mask, dims))).toBeCloseTo(targetScore(scores, mask)[0]!, 5);
    const vec: Tensor = { dtype: 'float32', dims: [1, 6], data: Float32Array.from([1, 5, 2, 0, 3, 4]) };
    const cls = resolveTarget('top1', vec)[0]! as Extract<Target, { kind: 'class' }>;
    expect([...seedWeights(cls, vec.dims)]).toEqual([0, 1, 0, 0, 0, 0]);
  });
});

describe('channel reductions', () => {
  it('sum, max-abs, sum-abs and mean over the channel axis of NCHW and NHWC inputs', () => {
    const nchw = inputGeometry([1, 2, 1, 2], 'NCHW');
    const v = Float32Array.from([1, -4, -3, 2]); // c0: [1, -4], c1: [-3, 2]
    expect([...reduceChannels(v, nchw, 'sum')]).toEqual([-2, -2]);
    expect([...reduceChannels(v, nchw, 'max-abs')]).toEqual([3, 4]);
    expect([...reduceChannels(v, nchw, 'sum-abs')]).toEqual([4, 6]);
    expect([...reduceChannels(v, nchw, 'mean')]).toEqual([-1, -1]);
    const nhwc = inputGeometry([1, 1, 2, 2], 'NHWC');
    expect([...reduceChannels(Float32Array.from([1, -3, -4, 2]), nhwc, 'max-abs')]).toEqual([3, 4]);
  });
});

describe('gradient pipeline on mnist-cnn', () => {
  let lens: Lens;
  let input: Tensor;
  beforeAll(async () => {
    lens = await openModel(join(root, 'models/mnist-cnn.onnx'));
    input = preprocess(await loadImage(join(root, 'samples/mnist/digit-4.png')), lens.preprocessSpec());
  });
  afterAll(async () => { await lens.dispose(); });

  it('SmoothGrad n = 50 is one runtime call; capped batches and a fixed batch-1 model give the same result', async () => {
    const params = { n: 7, sigma: 0.2 } as const;
    const ref = await smoothgrad.explain({ lens, input, seed: 3 }, params);
    expect(ref.meta.timing.runs).toBe(2); // scoring pass + one batch of 7
    expect(ref.meta.seed).toBe(3);
    const capped = await smoothgrad.explain({ lens, input, seed: 3, batchSize: 3 }, params);
    expect(capped.meta.timing.runs).toBe(1 + 3); // chunks of 3, 3, 1 (+2 padding rows)
    expect(maxRel(capped.attribution!.data, ref.attribution!.data)).toBeLessThan(1e-5);
    const fixed = new Lens(fixedBatchModel(), { backend: ortNodeBackend, source: 'mnist-fixed-batch' });
    try {
      const r = await smoothgrad.explain({ lens: fixed, input, seed: 3 }, params);
      expect(r.meta.timing.runs).toBe(1 + 7);
      expect(maxRel(r.attribution!.data, ref.attribution!.data)).toBeLessThan(1e-5);
    } finally { await fixed.dispose(); }
    const big = await smoothgrad.explain({ lens, input }, { n: 50 });
    expect(big.meta.timing.runs).toBe(2);
    expect(big.meta.timing.samples).toBe(51);
  });

  it('is reproducible from the seed and changes with it', async () => {
    const a = await smoothgrad.explain({ lens, input, seed: 11 }, { n: 5 });
    const b = await smoothgrad.explain({ lens, input, seed: 11 }, { n: 5 });
    const c = await smoothgrad.explain({ lens, input, seed: 12 }, { n: 5 });
    expect([...b.attribution!.data]).toEqual([...a.attribution!.data]);
    expect(maxRel(c.attribution!.data, a.attribution!.data)).toBeGreaterThan(1e-3);
    expect(a.meta.params).toMatchObject({ n: 5, sigma: 0.15, variant: 'smoothgrad', attribution: 'gradient' });
  });

  it('SmoothGrad with σ = 0 reduces to its inner attribution (gradient, |gradient|, gradient × input); vargrad to 0', async () => {
    const g = await gradient.explain({ lens, input });
    const x = input.data as Float32Array;
    const gd = g.attribution!.data as Float32Array;
    const cases: [string, (i: number) => number][] = [['gradient', (i) => gd[i]!], ['saliency', (i) => Math.abs(gd[i]!)], ['gradxinput', (i) => gd[i]! * x[i]!]];
    for (const [attribution, want] of cases) {
      const r = await smoothgrad.explain({ lens, input }, { n: 3, sigma: 0, attribution: attribution as never });
      expect(maxRel(r.attribution!.data, Float32Array.from({ length: gd.length }, (_, i) => want(i))), attribution).toBeLessThan(1e-5);
    }
    const v = await smoothgrad.explain({ lens, input }, { n: 3, sigma: 0, variant: 'vargrad' });
    expect(Math.max(...(v.attribution!.data as Float32Array).map(Math.abs))).toBeLessThan(1e-9);
  });

  it('explains the class asked for, and rejects one out of range with the valid range', async () => {
    const r = await gradient.explain({ lens, input, target: 9 });
    expect(r.meta.target).toMatchObject({ kind: 'class', index: 9 });
    const top = await gradient.explain({ lens, input });
    expect(maxRel(r.attribution!.data, top.attribution!.data)).toBeGreaterThan(0.1);
    const err = await gradient.explain({ lens, input, target: 10 }).catch((e: unknown) => e);
    expect(isConvlensError(err) && err.code).toBe('E_BAD_USAGE');
    expect(String((err as Error).message)).toMatch(/class 10 is out of range .* 0\.\.9/);
  });

  it('rejects unknown parameters and bad noise shapes', async () => {
    await expect(smoothgrad.explain({ lens, input }, { stdevs: 1 } as never)).rejects.toThrow(/no parameter "stdevs"/);
    const noise: Tensor = { dtype: 'float32', dims: [3, 1, 28, 28], data: new Float32Array(3 * 784) };
    await expect(smoothgrad.explain({ lens, input }, { n: 4, noise })).rejects.toThrow(/does not fit n = 4/);
    await expect(integratedGradients.explain({ lens, input }, { steps: 1, method: 'riemann_left' })).rejects.toThrow(/steps ≥ 2/);
  });
});

describe('score tensor, NHWC and errors', () => {
  it('NHWC inputs (shapes-cnn behind a Transpose): attributions are the NCHW ones transposed, maps are equal; batch of 2', async () => {
    const plain = await openModel(join(root, 'models/shapes-cnn.onnx'));
    const nhwc = new Lens(nhwcModel(), { backend: ortNodeBackend, source: 'shapes-nhwc' });
    try {
      expect(nhwc.input.layout).toBe('NHWC');
      const a0 = preprocess(await loadImage(join(root, 'samples/shapes/star-01.png')), plain.preprocessSpec());
      const a1 = preprocess(await loadImage(join(root, 'samples/shapes/cross-00.png')), plain.preprocessSpec());
      const input: Tensor = { dtype: 'float32', dims: [2, 3, 64, 64], data: Float32Array.from([...a0.data as Float32Array, ...a1.data as Float32Array]) };
      const x = toNhwc(input);
      for (const [method, params] of [[saliency, {}], [integratedGradients, { steps: 8, baseline: 'blur' }], [integratedGradients, { steps: 4, baseline: 'uniform' }], [smoothgrad, { n: 3, variant: 'vargrad' }]] as const) {
        const a = await method.explain({ lens: nhwc, input: x }, params as never);
        const b = await method.explain({ lens: plain, input }, params as never);
        expect(a.meta.input.layout).toBe('NHWC');
        expect(a.attribution!.dims).toEqual([2, 64, 64, 3]);
        expect(a.map.dims).toEqual([2, 1, 64, 64]);
        expect(maxRel(a.attribution!.data, toNhwc(b.attribution!).data), `${method.id} attribution`).toBeLessThan(1e-4);
        expect(maxRel(a.map.data, b.map.data), `${method.id} map`).toBeLessThan(1e-4);
        expect((a.meta.extras.targets as { index: number }[]).map((t) => t.index)).toEqual([3, 4]);
      }
    } finally { await plain.dispose(); await nhwc.dispose(); }
  });

  it('a model ending in Softmax is explained at its logits (same gradient as the logits model)', async () => {
    const plain = await openModel(join(root, 'models/shapes-cnn.onnx'));
    const soft = await openModel(join(root, 'models/shapes-cnn-softmax.onnx'));
    try {
      const input = preprocess(await loadImage(join(root, 'samples/shapes/hexagon-01.png')), plain.preprocessSpec());
      const a = await gradient.explain({ lens: soft, input });
      const b = await gradient.explain({ lens: plain, input });
      expect(a.meta.score.skipped?.op).toBe('Softmax');
      expect(maxRel(a.attribution!.data, b.attribution!.data)).toBeLessThan(1e-5);
      // the probability can be explained instead, and its gradient is different
      const p = await gradient.explain({ lens: soft, input, output: soft.view.outputs[0]!.name! });
      expect(maxRel(p.attribution!.data, b.attribution!.data)).toBeGreaterThan(0.1);
    } finally { await plain.dispose(); await soft.dispose(); }
  });

  it('an op without a backward rule names the op and suggests the gradient-free methods', async () => {
    const lens = new Lens(sinModel(), { backend: ortNodeBackend, source: 'sin.onnx' });
    try {
      const x: Tensor = { dtype: 'float32', dims: [1, 3, 2, 2], data: Float32Array.from({ length: 12 }, (_, i) => i / 12) };
      const err = await integratedGradients.explain({ lens, input: x }, { steps: 4 }).catch((e: unknown) => e);
      expect(isConvlensError(err)).toBe(true);
      if (!isConvlensError(err)) return;
      expect(err.code).toBe('E_NO_GRADIENT_RULE');
      expect(err.message).toMatch(/^ig needs the input gradient/);
      expect(err.message).toMatch(/Sin \(node "\/act\/Sin"/);
      for (const m of GRADIENT_FREE_METHODS) expect(err.hint).toContain(m);
    } finally { await lens.dispose(); }
  });
});
