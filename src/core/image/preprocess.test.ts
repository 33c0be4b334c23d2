// Tests for model-input preprocessing: exact tensor values per layout/normalisation, channel conversion,
// layout inference from ONNX shapes, and deprocess as the inverse.
import { describe, expect, it } from 'vitest';
import { ConvlensError } from '../errors.ts';
import type { Raster } from './raster.ts';
import { deprocess, inferInputLayout, preprocess, preprocessBatch, preprocessDetailed, resolveNormalize } from './preprocess.ts';

// 2x1 image: red, then (0, 128, 255)
const img: Raster = { width: 2, height: 1, channels: 3, data: new Uint8Array([255, 0, 0, 0, 128, 255]) };

function code(f: () => unknown): string {
  try { f(); } catch (e) { return (e as ConvlensError).code; }
  return 'no error';
}

describe('preprocess', () => {
  it('NCHW with ImageNet mean/std (torchvision Normalize)', () => {
    const t = preprocess(img, { size: [1, 2], normalize: 'imagenet' });
    expect(t.dims).toEqual([1, 3, 1, 2]);
    const d = Array.from(t.data);
    const e = [(1 - 0.485) / 0.229, (0 - 0.485) / 0.229, (0 - 0.456) / 0.224, (128 / 255 - 0.456) / 0.224, (0 - 0.406) / 0.225, (1 - 0.406) / 0.225];
    d.forEach((v, i) => expect(v).toBeCloseTo(e[i]!, 5));
  });

  it('NHWC interleaves channels last; unit and symmetric scaling', () => {
    const t = preprocess(img, { size: [1, 2], layout: 'NHWC', normalize: 'unit' });
    expect(t.dims).toEqual([1, 1, 2, 3]);
    Array.from(t.data).forEach((v, i) => expect(v).toBeCloseTo([1, 0, 0, 0, 128 / 255, 1][i]!, 6));
    const s = preprocess(img, { size: [1, 2], layout: 'NHWC', normalize: 'symmetric' });
    Array.from(s.data).forEach((v, i) => expect(v).toBeCloseTo([1, -1, -1, -1, 128 / 127.5 - 1, 1][i]!, 6));
    const raw = preprocess(img, { size: [1, 2], layout: 'NHWC', normalize: 'none' });
    Array.from(raw.data).forEach((v, i) => expect(v).toBeCloseTo([255, 0, 0, 0, 128, 255][i]!, 3));
  });

  it('converts colour to 601 luma for 1-channel models and replicates gray for 3-channel models', () => {
    const g = preprocess(img, { size: [1, 2], channels: 1, normalize: 'unit' });
    expect(g.dims).toEqual([1, 1, 1, 2]);
    expect(g.data[0]! * 255).toBeCloseTo(76, 3);
    expect(g.data[1]! * 255).toBeCloseTo(Math.round(0.587 * 128 + 0.114 * 255), 3);
    const gray: Raster = { width: 1, height: 1, channels: 1, data: new Uint8Array([51]) };
    const rgb = preprocess(gray, { size: [1, 1], normalize: 'unit' });
    expect(Array.from(rgb.data)).toEqual([0.2, 0.2, 0.2].map((v) => Math.fround(v)));
  });

  it('BGR order reverses channels and the ImageNet statistics with them', () => {
    const t = preprocess(img, { size: [1, 2], normalize: 'imagenet', channelOrder: 'BGR' });
    // channel 0 is blue now, normalised with the blue statistics
    expect(t.data[0]).toBeCloseTo((0 - 0.406) / 0.225, 5);
    expect(t.data[1]).toBeCloseTo((1 - 0.406) / 0.225, 5);
    expect(t.data[4]).toBeCloseTo((1 - 0.485) / 0.229, 5);
  });

  it('custom mean/std broadcast one value; bad specs are usage errors', () => {
    const t = preprocess(img, { size: [1, 2], normalize: { mean: [0.5], std: [0.25] } });
    expect(t.data[0]).toBeCloseTo(2, 6);
    expect(code(() => resolveNormalize({ mean: [0.1, 0.2], std: [1] }, 3))).toBe('E_BAD_USAGE');
    expect(code(() => resolveNormalize({ mean: [0.1], std: [0] }, 3))).toBe('E_BAD_USAGE');
    expect(() => resolveNormalize({ mean: [123.68, 116.78, 103.94], std: [58.4, 57.1, 57.4] }, 3)).toThrow(/0-255 units/);
    expect(code(() => preprocess(img, { size: [1, 2], normalize: 'imagenet', channels: 4 as 3 }))).toBe('E_INPUT_SHAPE');
  });

  it('resizes with the requested mode and reports the geometry', () => {
    const big: Raster = { width: 40, height: 20, channels: 3, data: new Uint8Array(2400).fill(100) };
    const r = preprocessDetailed(big, { size: [10, 10], resize: 'letterbox', normalize: 'unit', fill: 0 });
    expect(r.geometry.offsetY).toBe(2);
    expect([r.input.width, r.input.height]).toEqual([10, 10]);
    expect(r.tensor.data[0]).toBe(0); // padding row
    expect(r.tensor.data[5 * 10]).toBeCloseTo(100 / 255, 6); // image row
  });

  it('preprocessBatch stacks images', () => {
    const t = preprocessBatch([img, img], { size: [1, 2], normalize: 'unit' });
    expect(t.dims).toEqual([2, 3, 1, 2]);
    expect(Array.from(t.data.subarray(6))).toEqual(Array.from(t.data.subarray(0, 6)));
  });
});

describe('inferInputLayout', () => {
  const cases: [Parameters<typeof inferInputLayout>[0], string, number | null, boolean][] = [
    [[1, 3, 224, 224], 'NCHW', 3, true],
    [[1, 224, 224, 3], 'NHWC', 3, true],
    [[1, 1, 28, 28], 'NCHW', 1, true],
    [[1, 28, 28, 1], 'NHWC', 1, true],
    [[-1, 3, -1, -1], 'NCHW', 3, true],
    [['N', 224, 224, 3], 'NHWC', 3, true],
    [['batch', 'h', 'w', 3], 'NHWC', 3, true],
    [[1, 3, 3, 3], 'NCHW', 3, true], // tie → NCHW
    [[1, 1, 5, 3], 'NCHW', 1, true], // tie → NCHW
    [[1, 64, 56, 56], 'NCHW', 64, false],
    [[null, null, null, null], 'NCHW', null, false],
    [[3, 32, 32], 'NCHW', 3, true],
    [[32, 32, 3], 'NHWC', 3, true],
  ];
  for (const [dims, layout, channels, certain] of cases) {
    it(`[${dims.map(String).join(', ')}] → ${layout}`, () => {
      const r = inferInputLayout(dims);
      expect(r.layout).toBe(layout);
      expect(r.channels).toBe(channels);
      expect(r.certain).toBe(certain);
    });
  }

  it('reads height and width for both layouts', () => {
    expect(inferInputLayout([1, 3, 200, 100])).toMatchObject({ height: 200, width: 100, hasBatch: true });
    expect(inferInputLayout([1, 200, 100, 3])).toMatchObject({ height: 200, width: 100 });
  });

  it('rejects shapes that are not images', () => {
    expect(code(() => inferInputLayout([1, 784]))).toBe('E_INPUT_SHAPE');
    expect(() => inferInputLayout([1, 2, 3, 4, 5])).toThrow(/not an image input/);
  });
});

describe('deprocess', () => {
  const noisy: Raster = { width: 5, height: 4, channels: 3, data: Uint8Array.from({ length: 60 }, (_, i) => (i * 37) % 256) };

  for (const layout of ['NCHW', 'NHWC'] as const) {
    for (const normalize of ['imagenet', 'unit', 'symmetric', 'none'] as const) {
      it(`inverts preprocess (${layout}, ${normalize})`, () => {
        const t = preprocess(noisy, { size: [4, 5], layout, normalize });
        const back = deprocess(t, { normalize, layout });
        expect(back.channels).toBe(3);
        expect(Array.from(back.data)).toEqual(Array.from(noisy.data));
        expect(back.nonFinite).toBe(0);
      });
    }
  }

  it('inverts BGR and gray inputs, infers the layout by default', () => {
    const t = preprocess(noisy, { size: [4, 5], normalize: 'imagenet', channelOrder: 'BGR', layout: 'NHWC' });
    expect(Array.from(deprocess(t, { normalize: 'imagenet', channelOrder: 'BGR' }).data)).toEqual(Array.from(noisy.data));
    const g = preprocess(noisy, { size: [4, 5], channels: 1, normalize: 'unit' });
    const back = deprocess(g, { normalize: 'unit' });
    expect(back.channels).toBe(1);
    expect(back.data[1]).toBe(Math.round(0.299 * noisy.data[3]! + 0.587 * noisy.data[4]! + 0.114 * noisy.data[5]!));
  });

  it('clamps out-of-range values and counts non-finite ones', () => {
    const t = { dtype: 'float32' as const, dims: [1, 1, 1, 4], data: new Float32Array([-3, 2, NaN, Infinity]) };
    const r = deprocess(t, { normalize: 'unit' });
    expect(Array.from(r.data)).toEqual([0, 255, 0, 0]);
    expect(r.nonFinite).toBe(2);
  });

  it('picks one image of a batch and checks the index', () => {
    const t = preprocessBatch([noisy, { ...noisy, data: noisy.data.map((v) => 255 - v) }], { size: [4, 5], normalize: 'unit' });
    expect(deprocess(t, { normalize: 'unit', batchIndex: 1 }).data[0]).toBe(255 - noisy.data[0]!);
    expect(code(() => deprocess(t, { normalize: 'unit', batchIndex: 2 }))).toBe('E_BAD_USAGE');
  });
});
