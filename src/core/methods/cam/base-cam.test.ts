// The shared CAM pipeline on real and hand-built models: batching, one runtime call for Grad-CAM,
// CAM = Grad-CAM on GAP + linear heads, NHWC and 5-D layers, transformer tokens (checked against the
// PyTorch autograd fixtures of vit_tiny), fixed-batch models, augSmooth, and the error messages.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { openModel } from '../../../node/open-model.ts';
import { ortNodeBackend } from '../../../node/ort-node-backend.ts';
import { Lens } from '../../lens.ts';
import { isConvlensError } from '../../errors.ts';
import { parseNpy } from '../../io/npy.ts';
import { tensor } from '../../tensor.ts';
import type { Tensor } from '../../tensor.ts';
import { cnn } from '../../onnx/rewrite/test-models.ts';
import { Rng } from '../random.ts';
import { AUGMENTATIONS, cam, camMethods, computeCam, eigenCam, gradCam, hiResCam, scoreCam, ablationCam, layerCam } from './index.ts';
import { flipLastAxis } from './resample.ts';
import { cnn3d, cnnNchw, cnnNhwc, cnnWithSin, segNet } from './test-models.ts';
import { createRequire } from 'node:module';
import { dirname } from 'node:path';
import { pathToFileURL } from 'node:url';
import { createOrtWebBackend } from '../../../web/ort-web-backend.ts';
import type { ModelProto } from '../../onnx/proto-types.ts';

const REPO = fileURLToPath(new URL('../../../../', import.meta.url));
const lenses: Lens[] = [];
const open = async (p: string): Promise<Lens> => { const l = await openModel(REPO + p); lenses.push(l); return l; };
const wrap = (m: ModelProto, source: string): Lens => { const l = new Lens(m, { backend: ortNodeBackend, source }); lenses.push(l); return l; };
afterAll(async () => { for (const l of lenses) { await l.dispose(); } });

function randomInput(dims: number[], seed: number): Tensor<'float32'> {
  const rng = new Rng(seed);
  const n = dims.reduce((a, b) => a * b, 1);
  return tensor('float32', dims, Float32Array.from({ length: n }, () => rng.normal()));
}
function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  expect(a.length).toBe(b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
}
function rows(t: Tensor, i: number): Float32Array {
  const len = t.data.length / t.dims[0]!;
  return (t.data as Float32Array).subarray(i * len, (i + 1) * len);
}
async function caught(p: Promise<unknown>): Promise<{ code: string; message: string; hint?: string }> {
  try { await p; } catch (e) { if (isConvlensError(e)) return { code: e.code, message: e.message, hint: e.hint }; throw e; }
  throw new Error('expected a ConvlensError');
}

let shapes: Lens;
let x3: Tensor<'float32'>;
beforeAll(async () => {
  shapes = await open('models/shapes-cnn.onnx');
  x3 = randomInput([3, 3, 64, 64], 5);
});

describe('batching and runtime calls', () => {
  it('Grad-CAM is one runtime call for a batch (top-1 found inside the compiled graph) and matches per-image runs', async () => {
    await computeCam(gradCam.def, { lens: shapes, input: x3 }); // compile + warm
    const res = await computeCam(gradCam.def, { lens: shapes, input: x3 });
    expect(res.counters.runs).toBe(1);
    expect(res.counters.samples).toBe(3);
    for (let i = 0; i < 3; i++) {
      const one = await computeCam(gradCam.def, { lens: shapes, input: tensor('float32', [1, 3, 64, 64], rows(x3, i).slice()) });
      expect(one.counters.runs).toBe(1);
      expect(one.targets[0]).toEqual(res.targets[i]);
      expect(maxAbsDiff(rows(one.normalized, 0), rows(res.normalized, i))).toBeLessThan(1e-5);
    }
  });
  it('explicit classes per image are one call too, and give other maps than top-1', async () => {
    const top = await computeCam(gradCam.def, { lens: shapes, input: x3 });
    const other = top.targets.map((t) => ((t.kind === 'class' ? t.index : 0) + 1) % 6);
    const res = await computeCam(gradCam.def, { lens: shapes, input: x3, target: other });
    expect(res.counters.runs).toBe(1);
    expect(res.targets.map((t) => (t.kind === 'class' ? t.index : -1))).toEqual(other);
    expect(maxAbsDiff(res.normalized.data as Float32Array, top.normalized.data as Float32Array)).toBeGreaterThan(0.05);
  });
  it('Score-CAM batches the masked inputs (64 channels × 3 images in chunks of batchSize)', async () => {
    const res = await computeCam(scoreCam.def, { lens: shapes, input: x3, batchSize: 50 });
    expect(res.counters.samples).toBe(3 + 3 * 64);
    expect(res.counters.runs).toBe(1 + Math.ceil(192 / 50));
    const one = await computeCam(scoreCam.def, { lens: shapes, input: tensor('float32', [1, 3, 64, 64], rows(x3, 1).slice()) });
    expect(maxAbsDiff(rows(one.normalized, 0), rows(res.normalized, 1))).toBeLessThan(1e-5);
  });
  it('a fixed-batch model (vit_tiny, batch 1) runs a batch of 2 image by image', async () => {
    const vit = await open('test/fixtures/models/vit_tiny.onnx');
    const x = randomInput([2, 3, 32, 32], 9);
    const res = await computeCam(gradCam.def, { lens: vit, input: x });
    expect(res.counters.runs).toBe(2);
    const one = await computeCam(gradCam.def, { lens: vit, input: tensor('float32', [1, 3, 32, 32], rows(x, 1).slice()) });
    expect(maxAbsDiff(rows(one.normalized, 0), rows(res.normalized, 1))).toBeLessThan(1e-5);
  });
});

describe('CAM and Grad-CAM on a GAP + linear head', () => {
  it('CAM equals Grad-CAM after normalisation, and its raw map is h·w times larger', async () => {
    const a = await computeCam(cam.def, { lens: shapes, input: x3 });
    const b = await computeCam(gradCam.def, { lens: shapes, input: x3 });
    expect(maxAbsDiff(a.normalized.data as Float32Array, b.normalized.data as Float32Array)).toBeLessThan(1e-5);
    const ra = a.layers[0]!.coarse.data as Float32Array, rb = b.layers[0]!.coarse.data as Float32Array;
    let mx = 0;
    for (let i = 0; i < ra.length; i++) mx = Math.max(mx, Math.abs(ra[i]! - 256 * rb[i]!)); // the CAM layer is 16x16
    expect(mx / Math.max(...ra)).toBeLessThan(1e-5);
  });
  it('the default layer is reported with its reason and CAM found the head', async () => {
    const r = await cam.explain({ lens: shapes, input: tensor('float32', [1, 3, 64, 64], rows(x3, 0).slice()) });
    const extras = r.meta.extras as { defaultLayer: { tensor: string; reason: string }; layers: { tensor: string }[] };
    expect(extras.defaultLayer.tensor).toBe('/features/blur4/AveragePool_output_0');
    expect(extras.defaultLayer.reason).toMatch(/GlobalAveragePool/);
    expect(r.map.dims).toEqual([1, 1, 64, 64]);
    expect(r.arrays!.normalized!.dims).toEqual([1, 1, 64, 64]);
    expect(r.arrays!.coarse!.dims).toEqual([1, 1, 16, 16]);
    expect(r.arrays!.weights!.dims).toEqual([1, 64]);
    expect(r.meta.params).toMatchObject({ layer: 'auto', augSmooth: false, eigenSmooth: false, reshape: 'auto', layout: 'auto' });
    expect(r.meta.score.tensor).toBe('logits');
  });
  it('explains the logits feeding the final Softmax of shapes-cnn-softmax (same maps as shapes-cnn)', async () => {
    const soft = await open('models/shapes-cnn-softmax.onnx');
    const a = await computeCam(gradCam.def, { lens: soft, input: x3 });
    const b = await computeCam(gradCam.def, { lens: shapes, input: x3 });
    expect(a.score.skipped?.op).toBe('Softmax');
    expect(maxAbsDiff(a.normalized.data as Float32Array, b.normalized.data as Float32Array)).toBeLessThan(1e-5);
  });
});

describe('layouts and ranks', () => {
  it('NHWC: the channels-last twin of a CNN gives the same maps for every method', async () => {
    const nchw = wrap(cnnNchw(), 'cnn-nchw.onnx');
    const nhwc = wrap(cnnNhwc(), 'cnn-nhwc.onnx');
    expect(nhwc.input.layout).toBe('NHWC');
    const x = randomInput([2, 3, 8, 8], 3);
    const xt = new Float32Array(x.data.length);
    for (let b = 0; b < 2; b++) for (let c = 0; c < 3; c++) for (let p = 0; p < 64; p++) xt[(b * 64 + p) * 3 + c] = x.data[(b * 3 + c) * 64 + p]!;
    for (const m of camMethods) {
      const a = await computeCam(m.def, { lens: nchw, input: x });
      const b = await computeCam(m.def, { lens: nhwc, input: tensor('float32', [2, 8, 8, 3], xt) });
      expect(b.layers[0]!.order, m.id).toBe('channels-last');
      expect(b.normalized.dims).toEqual([2, 1, 8, 8]);
      expect(maxAbsDiff(a.normalized.data as Float32Array, b.normalized.data as Float32Array), m.id).toBeLessThan(1e-4);
    }
  });
  it('5-D activations: maps are [N, 1, D, H, W], upsampled trilinearly, and CAM = Grad-CAM', async () => {
    const l = wrap(cnn3d(), 'cnn3d.onnx');
    const x = randomInput([2, 2, 4, 6, 6], 4);
    const g = await computeCam(gradCam.def, { lens: l, input: x });
    expect(g.normalized.dims).toEqual([2, 1, 4, 6, 6]);
    expect(g.layers[0]!.coarse.dims).toEqual([2, 1, 4, 6, 6]);
    const c = await computeCam(cam.def, { lens: l, input: x });
    expect(maxAbsDiff(c.normalized.data as Float32Array, g.normalized.data as Float32Array)).toBeLessThan(1e-5);
    for (const m of camMethods) {
      const r = await computeCam(m.def, { lens: l, input: x });
      expect([...r.normalized.data].every((v) => v >= 0 && v <= 1), m.id).toBe(true);
    }
  });
  it('any input size: a model with symbolic H, W explained at 13x21 and 40x40', async () => {
    const l = wrap(cnnNchw(true), 'cnn-any-size.onnx');
    for (const [h, w] of [[13, 21], [40, 40]] as const) {
      const r = await computeCam(gradCam.def, { lens: l, input: randomInput([2, 3, h, w], h) });
      expect(r.normalized.dims).toEqual([2, 1, h, w]);
      expect(r.layers[0]!.coarse.dims).toEqual([2, 1, h, w]);
      expect(r.counters.runs).toBe(1);
    }
  });
  it('an input that does not fit a fixed-size model is refused clearly', async () => {
    const e = await caught(computeCam(gradCam.def, { lens: shapes, input: randomInput([1, 3, 96, 80], 1) }));
    expect(e.code).toBe('E_INPUT_SHAPE');
  });
});

describe('transformer token layers (vit_tiny)', () => {
  const G = `${REPO}test/fixtures/grad/`;
  const npy = (f: string): Tensor => parseNpy(readFileSync(G + f));
  it('default layer = the residual stream entering the last block, read as 4x4 without the class token; Grad-CAM matches PyTorch autograd', async () => {
    const vit = await open('test/fixtures/models/vit_tiny.onnx');
    const x = npy('vit_tiny.input.npy') as Tensor<'float32'>;
    const res = await computeCam(gradCam.def, { lens: vit, input: x });
    expect(res.defaultLayer?.tensor).toBe('/encoder/layers/encoder_layer_0/Add_1_output_0');
    expect(res.layers[0]!.tokens).toMatchObject({ prefix: 1, height: 4, width: 4, source: 'graph' });
    expect(res.targets[0]).toMatchObject({ kind: 'class', index: 1 });
    // Reference from the PyTorch fixtures: drop token 0, reshape to 4x4, Grad-CAM.
    const A = npy('vit_tiny.act_encoder_layer_0.npy').data as Float32Array, Gr = npy('vit_tiny.grad_encoder_layer_0.npy').data as Float32Array;
    const D = 32, T = 17;
    const ref = new Float64Array(16);
    for (let d = 0; d < D; d++) {
      let w = 0;
      for (let t = 1; t < T; t++) w += Gr[t * D + d]! / 16;
      for (let t = 1; t < T; t++) ref[t - 1]! += w * A[t * D + d]!;
    }
    for (let i = 0; i < 16; i++) ref[i] = Math.max(ref[i]!, 0);
    const got = res.layers[0]!.coarse.data as Float32Array;
    expect(maxAbsDiff(got, ref) / Math.max(...ref)).toBeLessThan(1e-4);
  });
  it('the output of the last block gets no patch-token gradient (the class token is read after it): an all-zero Grad-CAM', async () => {
    const vit = await open('test/fixtures/models/vit_tiny.onnx');
    const res = await computeCam(gradCam.def, { lens: vit, input: npy('vit_tiny.input.npy') as Tensor<'float32'>, params: { layer: '/encoder/layers/encoder_layer_1/Add_1_output_0' } });
    expect(Math.max(...(res.layers[0]!.coarse.data as Float32Array))).toBeLessThan(1e-6);
  });
  it('an explicit tokens:HxW override, and a clear error when it does not fit', async () => {
    const vit = await open('test/fixtures/models/vit_tiny.onnx');
    const x = npy('vit_tiny.input.npy') as Tensor<'float32'>;
    const a = await computeCam(layerCam.def, { lens: vit, input: x, params: { reshape: 'tokens:4x4' } });
    expect(a.layers[0]!.tokens).toMatchObject({ prefix: 1, source: 'explicit' });
    const b = await computeCam(layerCam.def, { lens: vit, input: x });
    expect(maxAbsDiff(a.normalized.data as Float32Array, b.normalized.data as Float32Array)).toBe(0);
    const e = await caught(computeCam(gradCam.def, { lens: vit, input: x, params: { reshape: 'tokens:5x5' } }));
    expect(e.code).toBe('E_BAD_USAGE');
    expect(e.message).toMatch(/needs 25 tokens but layer .* has 17/);
    const off = await caught(computeCam(gradCam.def, { lens: vit, input: x, params: { reshape: 'none' } }));
    expect(off.message).toMatch(/token layer/);
  });
  it('Ablation-CAM and Score-CAM work on token layers', async () => {
    const vit = await open('test/fixtures/models/vit_tiny.onnx');
    const x = npy('vit_tiny.input.npy') as Tensor<'float32'>;
    for (const m of [ablationCam, scoreCam, eigenCam]) {
      const r = await computeCam(m.def, { lens: vit, input: x });
      expect(r.normalized.dims).toEqual([1, 1, 32, 32]);
      expect(Math.max(...(r.normalized.data as Float32Array)), m.id).toBeGreaterThan(0.9);
    }
  });
});

describe('augSmooth and eigenSmooth', () => {
  it('augSmooth = mean of the 6 flipped/scaled runs, flipped back (one batched run)', async () => {
    const x = tensor('float32', [1, 3, 64, 64], rows(x3, 2).slice());
    const res = await computeCam(gradCam.def, { lens: shapes, input: x, params: { augSmooth: true } });
    expect(res.counters.runs).toBe(2); // the top-1 class from the original image, then 6 rows at once
    const cls = res.targets[0]!.kind === 'class' ? res.targets[0]!.index : -1;
    const acc = new Float64Array(64 * 64);
    for (const aug of AUGMENTATIONS) {
      const xa = new Float32Array(x.data.length);
      for (let r = 0; r < 3 * 64; r++) for (let c = 0; c < 64; c++) xa[r * 64 + c] = x.data[r * 64 + (aug.flip ? 63 - c : c)]! * Math.fround(aug.factor);
      const one = await computeCam(gradCam.def, { lens: shapes, input: tensor('float32', x.dims, xa), target: cls });
      const m = aug.flip ? flipLastAxis(one.normalized.data as Float32Array, 64) : (one.normalized.data as Float32Array);
      for (let i = 0; i < acc.length; i++) acc[i]! += m[i]! / AUGMENTATIONS.length;
    }
    expect(maxAbsDiff(res.normalized.data as Float32Array, acc)).toBeLessThan(1e-5);
  });
  it('eigenSmooth changes the map and keeps it in [0, 1]', async () => {
    const a = await computeCam(gradCam.def, { lens: shapes, input: x3, params: { eigenSmooth: true } });
    const b = await computeCam(gradCam.def, { lens: shapes, input: x3 });
    expect(maxAbsDiff(a.normalized.data as Float32Array, b.normalized.data as Float32Array)).toBeGreaterThan(0.01);
    expect(Math.max(...(a.normalized.data as Float32Array))).toBeLessThanOrEqual(1);
  });
});

describe('dense outputs', () => {
  it('a region target of a segmentation-like output: HiResCAM is zero outside the region (1x1 head), Score-CAM runs', async () => {
    const l = wrap(segNet(), 'seg.onnx');
    const x = randomInput([1, 3, 8, 8], 8);
    const res = await computeCam(hiResCam.def, { lens: l, input: x, target: { region: [0, 0, 4, 3], channel: 1 } });
    expect(res.layers[0]!.tensor).toBe('r');
    expect(res.targets[0]).toMatchObject({ kind: 'region', channel: 1, box: [0, 0, 4, 3] });
    const m = res.layers[0]!.coarse.data as Float32Array;
    let inside = 0;
    for (let y = 0; y < 8; y++) for (let xx = 0; xx < 8; xx++) {
      if (xx < 4 && y < 3) inside = Math.max(inside, m[y * 8 + xx]!);
      else expect(m[y * 8 + xx]).toBe(0);
    }
    expect(inside).toBeGreaterThan(0);
    const s = await computeCam(scoreCam.def, { lens: l, input: x, target: { region: [0, 0, 4, 3] } });
    expect(s.targets[0]!.kind).toBe('region');
    const e = await caught(computeCam(gradCam.def, { lens: l, input: x, target: 1 }));
    expect(e.message).toMatch(/dense output/);
  });
});

describe('runtimes and parameters', () => {
  it('the compiled Grad-CAM graph (in-graph top-1 seed) runs in onnxruntime-web and agrees with onnxruntime-node', async () => {
    const wasm = createRequire(import.meta.url).resolve('onnxruntime-web/ort-wasm-simd-threaded.wasm');
    const web = createOrtWebBackend({ wasmPaths: `${pathToFileURL(dirname(wasm)).href}/` });
    const lw = new Lens(shapes.model, { backend: web, source: 'shapes-cnn.onnx (web)' });
    lenses.push(lw);
    const a = await computeCam(gradCam.def, { lens: lw, input: x3 });
    const b = await computeCam(gradCam.def, { lens: shapes, input: x3 });
    expect(a.counters.runs).toBe(1);
    expect(a.targets.map((t) => (t.kind === 'class' ? t.index : -1))).toEqual(b.targets.map((t) => (t.kind === 'class' ? t.index : -1)));
    expect(maxAbsDiff(a.normalized.data as Float32Array, b.normalized.data as Float32Array)).toBeLessThan(1e-4);
  });
  it('parameters are validated: unknown names and bad values are refused with the valid ones', async () => {
    const e = await caught(computeCam(gradCam.def, { lens: shapes, input: x3, params: { smooth: true } as never }));
    expect(e.message).toMatch(/gradcam has no parameter "smooth"/);
    expect(e.hint).toMatch(/layer, augSmooth, eigenSmooth, reshape, layout/);
    const v = await caught(computeCam(gradCam.def, { lens: shapes, input: x3, params: { layout: 'NCWH' as never } }));
    expect(v.message).toMatch(/layout" must be one of auto, channels-first, channels-last/);
    const r = await computeCam(ablationCam.def, { lens: shapes, input: x3, params: { ablationValue: '0' as never, layer: ['features.relu4'] } });
    expect(r.params).toMatchObject({ ablationValue: 0, layer: 'features.relu4' });
  });
});

describe('errors', () => {
  it('CAM on a model without a global-pooling + linear head', async () => {
    const l = wrap(cnn(), 'flatten-head.onnx');
    const e = await caught(computeCam(cam.def, { lens: l, input: randomInput([1, 3, 8, 8], 2) }));
    expect(e.code).toBe('E_BAD_USAGE');
    expect(e.message).toMatch(/CAM needs a global-average-pooling \+ linear head .*flatten-head\.onnx.*not a global average pooling/);
    expect(e.hint).toMatch(/gradcam/);
    // Grad-CAM works on it.
    const g = await computeCam(gradCam.def, { lens: l, input: randomInput([1, 3, 8, 8], 2) });
    expect(g.layers[0]!.tensor).toBe('p');
  });
  it('a target layer without spatial dims names a spatial layer and the token reshape', async () => {
    const e = await caught(computeCam(gradCam.def, { lens: shapes, input: x3, params: { layer: 'gap' } }));
    expect(e.code).toBe('E_BAD_USAGE');
    expect(e.message).toMatch(/\/gap\/GlobalAveragePool_output_0.*\[1, 64, 1, 1\].*spatial/);
    expect(e.hint).toMatch(/features\.blur4.*--reshape tokens:HxW/);
    const f = await caught(computeCam(gradCam.def, { lens: shapes, input: x3, params: { layer: 'classifier' } }));
    expect(f.message).toMatch(/has no spatial dims/);
  });
  it('a target class out of range gives the valid range before anything runs', async () => {
    const e = await caught(computeCam(gradCam.def, { lens: shapes, input: x3, target: 6 }));
    expect(e.code).toBe('E_BAD_USAGE');
    expect(e.message).toMatch(/class 6 is out of range.*0\.\.5/);
    const n = await caught(computeCam(scoreCam.def, { lens: shapes, input: x3, target: 'pentagon' }));
    expect(n.message).toMatch(/no class named "pentagon"/);
  });
  it('an op without a backward rule between score and layer: E_NO_GRADIENT_RULE naming it, suggesting gradient-free methods', async () => {
    const l = wrap(cnnWithSin(), 'sin.onnx');
    const x = randomInput([1, 3, 8, 8], 3);
    const e = await caught(computeCam(gradCam.def, { lens: l, input: x }));
    expect(e.code).toBe('E_NO_GRADIENT_RULE');
    expect(e.message).toMatch(/Sin.*\/sin\/Sin/);
    expect(e.hint).toMatch(/scorecam.*ablationcam.*occlusion.*rise/);
    for (const m of [scoreCam, ablationCam, eigenCam]) {
      const r = await computeCam(m.def, { lens: l, input: x });
      expect(r.layers[0]!.tensor, m.id).toBe('r');
    }
  });
});
