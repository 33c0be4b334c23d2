import { readFileSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { ErrorCodes } from '../../errors.ts';
import { parseNpy } from '../../io/npy.ts';
import { Lens } from '../../lens.ts';
import type { ModelProto } from '../../onnx/proto-types.ts';
import type { Tensor } from '../../tensor.ts';
import { ortNodeBackend } from '../../../node/ort-node-backend.ts';
import { openModel } from '../../../node/open-model.ts';
import { occlusion } from './occlusion.ts';
import { denseModel, linearModel, testValues } from './test-models.ts';

const FIX = 'test/fixtures/explain/perturbation';
const lenses: Lens[] = [];
const lensOf = (m: ModelProto, source = 'toy.onnx'): Lens => {
  const l = new Lens(m, { backend: ortNodeBackend, source });
  lenses.push(l);
  return l;
};
afterAll(async () => { for (const l of lenses) await l.dispose(); });

/** Brute-force Captum occlusion for a linear model f(x) = Σ w ⊙ x: window k removes Σ_{i∈k} w_i (x_i − b_i). */
function linearOcclusion(w: Float32Array, x: Float32Array, b: number, [C, H, W]: number[], win: number[], str: number[], at: (c: number, y: number, x: number) => number): Float64Array {
  const counts = [C, H, W].map((d, a) => Math.ceil((d - win[a]!) / str[a]!) + 1);
  const sum = new Float64Array(C * H * W), cov = new Float64Array(C * H * W);
  for (let i = 0; i < counts[0]!; i++) for (let j = 0; j < counts[1]!; j++) for (let k = 0; k < counts[2]!; k++) {
    const c0 = i * str[0]!, y0 = j * str[1]!, x0 = k * str[2]!;
    const cells: number[] = [];
    for (let c = c0; c < Math.min(C, c0 + win[0]!); c++) for (let y = y0; y < Math.min(H, y0 + win[1]!); y++) for (let xx = x0; xx < Math.min(W, x0 + win[2]!); xx++) cells.push((c * H + y) * W + xx);
    let d = 0;
    for (const q of cells) { const [c, y, xx] = [Math.floor(q / (H * W)), Math.floor(q / W) % H, q % W]; d += w[at(c, y, xx)]! * (x[at(c, y, xx)]! - b); }
    for (const q of cells) { sum[q]! += d; cov[q]! += 1; }
  }
  return sum.map((s, i) => s / cov[i]!);
}

function expectClose(actual: ArrayLike<number>, expected: ArrayLike<number>, rel = 1e-4, what = 'value'): void {
  expect(actual.length).toBe(expected.length);
  let scale = 0;
  for (let i = 0; i < expected.length; i++) scale = Math.max(scale, Math.abs(expected[i]!));
  for (let i = 0; i < expected.length; i++) {
    if (Math.abs(actual[i]! - expected[i]!) > rel * scale + 1e-7) {
      throw new Error(`${what} ${i}: got ${actual[i]}, expected ${expected[i]} (tolerance ${rel} × max |expected| ${scale})`);
    }
  }
}

describe('occlusion on a linear model (closed form)', () => {
  const C = 3, H = 9, W = 11;
  const w = testValues(C * H * W, 1), v = testValues(C * H * W, 2), x = testValues(C * H * W, 3);

  it('NCHW, all-channel window with cut-off last windows, baseline 0.3; map = attribution of every channel', async () => {
    const lens = lensOf(linearModel(w, v, { C, H, W }));
    const input: Tensor = { dtype: 'float32', dims: [1, C, H, W], data: x };
    const res = await occlusion.explain({ lens, input, target: 0 }, { window: [4, 3], stride: [3, 3], baseline: 0.3 });
    const want = linearOcclusion(w, x, 0.3, [C, H, W], [3, 4, 3], [3, 3, 3], (c, y, xx) => (c * H + y) * W + xx);
    expect(res.map.dims).toEqual([1, 1, H, W]);
    expect(res.attribution).toBeUndefined();
    for (let c = 0; c < C; c++) expectClose(res.map.data, want.subarray(c * H * W, (c + 1) * H * W), 1e-4, `pixel (channel ${c})`);
    expect(res.meta).toMatchObject({
      method: 'occlusion', family: 'perturbation', seed: null,
      params: { window: [3, 4, 3], stride: [3, 3, 3], baseline: 0.3, blurSigma: 9 / 8 },
      target: { kind: 'class', index: 0 },
      extras: { windows: 3 * 4, windowCounts: [1, 3, 4] },
    });
    // One reference run plus the 12 windows in one batch.
    expect(res.meta.timing).toMatchObject({ samples: 13, runs: 2 });
  });

  it('NHWC with per-channel windows gives the same attributions in the NHWC layout', async () => {
    const at = (c: number, y: number, xx: number): number => (y * W + xx) * C + c;
    const lens = lensOf(linearModel(w, v, { C, H, W, layout: 'NHWC' }));
    expect(lens.input.layout).toBe('NHWC');
    const input: Tensor = { dtype: 'float32', dims: [1, H, W, C], data: x };
    const res = await occlusion.explain({ lens, input, target: 1 }, { window: [1, 3, 5], stride: [1, 2, 4] });
    const want = linearOcclusion(v, x, 0, [C, H, W], [1, 3, 5], [1, 2, 4], at);
    const got = res.attribution!;
    expect(got.dims).toEqual([1, H, W, C]);
    // want is channel-first; compare element by element through the layouts.
    const wantNhwc = new Float64Array(C * H * W);
    for (let c = 0; c < C; c++) for (let q = 0; q < H * W; q++) wantNhwc[q * C + c] = want[c * H * W + q]!;
    expectClose(got.data, wantNhwc);
    const mean = new Float64Array(H * W);
    for (let q = 0; q < H * W; q++) for (let c = 0; c < C; c++) mean[q]! += wantNhwc[q * C + c]! / C;
    expectClose(res.map.data, mean);
  });

  it('a model with a fixed batch of 1 runs one window per call and gets the same answer', async () => {
    const dyn = lensOf(linearModel(w, v, { C, H, W }));
    const fixed = lensOf(linearModel(w, v, { C, H, W, batch: 1 }));
    const input: Tensor = { dtype: 'float32', dims: [1, C, H, W], data: x };
    const a = await occlusion.explain({ lens: dyn, input }, { window: 4, stride: 4 });
    const b = await occlusion.explain({ lens: fixed, input }, { window: 4, stride: 4 });
    expect(b.meta.timing.runs).toBe(1 + 3 * 3);
    expectClose(b.map.data, a.map.data, 1e-6);
  });

  it('explains the logits of a Softmax model by default, the probabilities on request', async () => {
    const lens = lensOf(linearModel(w, v, { C, H, W, softmax: true }));
    const input: Tensor = { dtype: 'float32', dims: [1, C, H, W], data: x };
    const res = await occlusion.explain({ lens, input, target: 0 }, { window: 3, stride: 3 });
    expect(res.meta.score.tensor).toBe('logits');
    const want = linearOcclusion(w, x, 0, [C, H, W], [3, 3, 3], [3, 3, 3], (c, y, xx) => (c * H + y) * W + xx);
    expectClose(res.map.data, want.subarray(0, H * W));
    const probs = await occlusion.explain({ lens, input, target: 0, output: 'probs' }, { window: 3, stride: 3 });
    expect(probs.meta.score.tensor).toBe('probs');
    expect(Math.max(...probs.map.data.map(Math.abs))).toBeLessThanOrEqual(1);
  });

  it('dense output: a channel summed over a region is explained like the linear model it is', async () => {
    const K = [[1, -1, 0.5], [0.25, 2, -1]];
    const lens = lensOf(denseModel(K, C, H, W));
    const input: Tensor = { dtype: 'float32', dims: [1, C, H, W], data: x };
    const box = [2, 1, 8, 6] as const;
    const res = await occlusion.explain({ lens, input, target: { region: box, channel: 1 } }, { window: 3, stride: 2 });
    // f(x) = Σ_{(y,x)∈box} Σ_c K[1][c] x[c,y,x]: a linear model with weights K[1][c] inside the box.
    const wBox = new Float32Array(C * H * W);
    for (let c = 0; c < C; c++) for (let y = box[1]; y < box[3]; y++) for (let xx = box[0]; xx < box[2]; xx++) wBox[(c * H + y) * W + xx] = K[1]![c]!;
    const want = linearOcclusion(wBox, x, 0, [C, H, W], [3, 3, 3], [3, 2, 2], (c, y, xx) => (c * H + y) * W + xx);
    expectClose(res.map.data, want.subarray(0, H * W));
    expect(res.meta.target).toMatchObject({ kind: 'region', channel: 1, box: [2, 1, 8, 6] });
    expect(res.meta.score.tensor).toBe('seg');
  });

  it('explains a batch of images one by one, each with its own top-1 target', async () => {
    const lens = lensOf(linearModel(w, v, { C, H, W }));
    const x2 = Float32Array.from(x, (t) => -t);
    const both = new Float32Array(2 * C * H * W);
    both.set(x); both.set(x2, C * H * W);
    const res = await occlusion.explain({ lens, input: { dtype: 'float32', dims: [2, C, H, W], data: both } }, { window: 3, stride: 3 });
    const one = await occlusion.explain({ lens, input: { dtype: 'float32', dims: [1, C, H, W], data: x2 } }, { window: 3, stride: 3 });
    expect(res.map.dims).toEqual([2, 1, H, W]);
    expect(res.map.data.subarray(H * W)).toEqual(one.map.data);
    const items = res.meta.extras.items as { target: { index: number } }[];
    expect(items).toHaveLength(2);
    // Negating the input swaps the sign of both logits, so the top class can change; each item has its own.
    expect(items[1]!.target.index).toBe((one.meta.target as { index: number }).index);
    expect(res.meta.input.dims).toEqual([2, C, H, W]);
    expect(res.meta.timing.runs).toBe(2 * one.meta.timing.runs);
  });

  it('rejects a stride larger than the window, bad targets, and non-image inputs', async () => {
    const lens = lensOf(linearModel(w, v, { C, H, W }));
    const input: Tensor = { dtype: 'float32', dims: [1, C, H, W], data: x };
    await expect(occlusion.explain({ lens, input }, { window: 3, stride: 4 })).rejects.toMatchObject({ code: ErrorCodes.BAD_USAGE, message: expect.stringMatching(/stride 4 exceeds window 3/) });
    await expect(occlusion.explain({ lens, input, target: 2 })).rejects.toMatchObject({ code: ErrorCodes.BAD_USAGE, message: expect.stringMatching(/valid class indices are 0\.\.1/) });
    await expect(occlusion.explain({ lens, input }, { windw: 3 } as never)).rejects.toMatchObject({ code: ErrorCodes.BAD_USAGE, hint: expect.stringMatching(/window, stride, baseline/) });
    const flat: Tensor = { dtype: 'float32', dims: [1, C * H * W], data: x };
    await expect(occlusion.explain({ lens, input: flat })).rejects.toMatchObject({ code: ErrorCodes.INPUT_SHAPE });
  });
});

describe('occlusion matches the PyTorch reference of Captum\'s definition (tiny CNN fixture)', () => {
  const spec = JSON.parse(readFileSync(`${FIX}/tiny-cnn.json`, 'utf8')) as {
    target: number; input: string; logits: string;
    occlusion: { name: string; window: number[]; stride: number[]; baseline: number | 'mean'; file: string }[];
  };
  const npy = (f: string): Tensor => parseNpy(new Uint8Array(readFileSync(`${FIX}/${f}`)));

  it.each(spec.occlusion.map((c) => [c.name, c] as const))('%s', async (_name, c) => {
    const lens = await openModel(`${FIX}/tiny-cnn.onnx`);
    lenses.push(lens);
    const input = npy(spec.input);
    const logits = (await lens.run(input))['logits']!;
    expectClose(logits.data as Float32Array, npy(spec.logits).data as Float32Array, 1e-5, 'logit');
    const res = await occlusion.explain({ lens, input, target: spec.target }, { window: c.window, stride: c.stride, baseline: c.baseline });
    const want = npy(c.file).data as Float32Array;
    const got = res.attribution?.data ?? (() => {
      // Full-channel windows: every channel equals the map.
      const hw = res.map.data.length, out = new Float32Array(want.length);
      for (let ch = 0; ch < want.length / hw; ch++) out.set(res.map.data, ch * hw);
      return out;
    })();
    expectClose(got, want, 1e-4, 'attribution');
  });
});
