import { describe, expect, it } from 'vitest';
import { gaussianBlur, makeBaseline } from './baseline.ts';
import { imageTensor } from './input.ts';

const C = 2, H = 5, W = 7;
const data = Float32Array.from({ length: C * H * W }, (_, i) => (i % 7) + 10 * Math.floor(i / (H * W)));

describe('makeBaseline', () => {
  it('numbers, zero and the per-channel mean in either layout', () => {
    const img = imageTensor({ dtype: 'float32', dims: [1, C, H, W], data }, 'NCHW');
    expect([...makeBaseline(0.5, img)].every((v) => v === 0.5)).toBe(true);
    expect([...makeBaseline('zero', img)].every((v) => v === 0)).toBe(true);
    const mean = makeBaseline('mean', img);
    expect(mean[0]).toBeCloseTo(3, 6); // channel 0: columns 0..6 → mean 3
    expect(mean[H * W]).toBeCloseTo(13, 6);
    const nhwcData = new Float32Array(data.length);
    for (let c = 0; c < C; c++) for (let q = 0; q < H * W; q++) nhwcData[q * C + c] = data[c * H * W + q]!;
    const nhwc = makeBaseline('mean', imageTensor({ dtype: 'float32', dims: [1, H, W, C], data: nhwcData }, 'NHWC'));
    expect(nhwc[0]).toBeCloseTo(3, 6);
    expect(nhwc[1]).toBeCloseTo(13, 6);
    expect(() => makeBaseline({ dtype: 'float32', dims: [1, 2, 2], data: new Float32Array(4) }, img)).toThrow(/baseline has shape/);
  });

  it('blur keeps constants and channel means (replicated borders only move the mean slightly), and smooths', () => {
    const flat = imageTensor({ dtype: 'float32', dims: [1, 1, 6, 6], data: new Float32Array(36).fill(4) }, 'NCHW');
    expect([...gaussianBlur(flat, 2)].every((v) => Math.abs(v - 4) < 1e-5)).toBe(true);
    const spike = new Float32Array(81);
    spike[40] = 1;
    const b = gaussianBlur(imageTensor({ dtype: 'float32', dims: [1, 1, 9, 9], data: spike }, 'NCHW'), 1);
    expect(b[40]!).toBeLessThan(0.2);
    expect(b[40]!).toBeCloseTo(1 / (2 * Math.PI), 1);
    expect(b.reduce((a, v) => a + v, 0)).toBeCloseTo(1, 5);
    expect(b[39]).toBeCloseTo(b[41]!, 7);
    expect(b[31]).toBeCloseTo(b[39]!, 7);
  });
});
