import { describe, expect, it } from 'vitest';
import type { Raster } from '../../image/raster.ts';
import type { Tensor } from '../../tensor.ts';
import { captumColormapLut, channelSum, renderAttribution } from './attribution.ts';

const t = (dims: number[], values: number[]): Tensor => ({ dtype: 'float32', dims, data: Float32Array.from(values) });
const px = (img: { data: Uint8Array }, i: number) => [...img.data.subarray(4 * i, 4 * i + 4)];

describe('renderAttribution (Captum visualize_image_attr)', () => {
  it('clips at the cumulative-mass threshold (outlier_perc 2): 100 ones and one 1.5 → threshold 1, the 1.5 is clipped', () => {
    const v = [...Array(100).fill(1), 1.5];
    const r = renderAttribution(t([1, 1, 1, 101], v));
    expect(r.threshold).toBe(1);
    expect(r.normalized[0]).toBe(1);
    expect(r.normalized[100]).toBe(1);
    // with outlierPercent 0 the threshold is the largest value
    const r0 = renderAttribution(t([1, 1, 1, 101], v), { outlierPercent: 0 });
    expect(r0.threshold).toBe(1.5);
    expect(r0.normalized[0]).toBeCloseTo(1 / 1.5, 6);
  });

  it('sums channels with their sign before choosing what to show (reduction over channels)', () => {
    // channel 0: [2, -1], channel 1: [-3, 1] → sums [-1, 0]
    const nchw = channelSum(t([1, 2, 1, 2], [2, -1, -3, 1]));
    expect([...nchw.values]).toEqual([-1, 0]);
    const nhwc = channelSum(t([1, 1, 2, 2], [2, -3, -1, 1]), 'NHWC');
    expect([...nhwc.values]).toEqual([-1, 0]);
  });

  it('sign modes: absolute_value, positive, negative, all', () => {
    const a = t([1, 1, 1, 4], [-2, 1, 0, 2]);
    expect([...renderAttribution(a, { sign: 'absolute_value', outlierPercent: 0 }).normalized]).toEqual([1, 0.5, 0, 1]);
    expect([...renderAttribution(a, { sign: 'positive', outlierPercent: 0 }).normalized]).toEqual([0, 0.5, 0, 1]);
    const neg = renderAttribution(a, { sign: 'negative', outlierPercent: 0 });
    expect([...neg.normalized]).toEqual([1, 0, 0, 0]);
    expect(neg.threshold).toBe(-2);
    expect([...renderAttribution(a, { sign: 'all', outlierPercent: 0 }).normalized]).toEqual([-1, 0.5, 0, 1]);
  });

  it("heat_map uses Captum's default maps: Blues for absolute values, red-white-green for all", () => {
    const abs = renderAttribution(t([1, 1, 1, 2], [0, 5]), { outlierPercent: 0 });
    expect(px(abs, 0)).toEqual([0xf7, 0xfb, 0xff, 255]);
    expect(px(abs, 1)).toEqual([0x08, 0x30, 0x6b, 255]);
    const all = renderAttribution(t([1, 1, 1, 3], [-1, 0, 1]), { sign: 'all', outlierPercent: 0 });
    expect(px(all, 0)).toEqual([255, 0, 0, 255]);
    expect(px(all, 2)).toEqual([0, 128, 0, 255]);
    expect(px(all, 1).slice(0, 3).every((c) => c >= 253 || c === 254)).toBe(true);
    expect([...captumColormapLut('positive').subarray(765)]).toEqual([0x00, 0x44, 0x1b]);
    expect([...captumColormapLut('negative').subarray(765)]).toEqual([0x67, 0x00, 0x0d]);
    // any convlens colour map can replace the default
    const gray = renderAttribution(t([1, 1, 1, 2], [0, 5]), { outlierPercent: 0, colormap: 'gray' });
    expect(px(gray, 0)).toEqual([0, 0, 0, 255]);
    expect(px(gray, 1)).toEqual([255, 255, 255, 255]);
  });

  const image: Raster = { width: 2, height: 1, channels: 3, data: Uint8Array.from([200, 100, 50, 10, 20, 30]) };

  it('masked_image multiplies the image by the normalised attribution (truncated, as _prepare_image)', () => {
    const r = renderAttribution(t([1, 1, 1, 2], [1, 2]), { method: 'masked_image', image, outlierPercent: 0 });
    expect(px(r, 0)).toEqual([100, 50, 25, 255]);
    expect(px(r, 1)).toEqual([10, 20, 30, 255]);
  });

  it('alpha_scaling keeps the image and sets alpha = normalised attribution · 255', () => {
    const r = renderAttribution(t([1, 1, 1, 2], [1, 2]), { method: 'alpha_scaling', image, outlierPercent: 0 });
    expect(px(r, 0)).toEqual([200, 100, 50, 127]);
    expect(px(r, 1)).toEqual([10, 20, 30, 255]);
  });

  it('blended_heat_map lays the heat map at alpha 0.5 over the min-max scaled gray image', () => {
    const r = renderAttribution(t([1, 1, 1, 2], [0, 2]), { method: 'blended_heat_map', image, outlierPercent: 0 });
    // pixel 0: gray mean 116.7 is the max → 255; heat = Blues[0]; pixel 1: gray min → 0; heat = Blues[255]
    expect(px(r, 0)).toEqual([Math.round(0.5 * 0xf7 + 127.5), Math.round(0.5 * 0xfb + 127.5), Math.round(0.5 * 0xff + 127.5), 255]);
    expect(px(r, 1)).toEqual([Math.round(0.5 * 0x08), Math.round(0.5 * 0x30), Math.round(0.5 * 0x6b), 255]);
  });

  it('resizes the map to a larger image and draws the requested batch item', () => {
    const big: Raster = { width: 4, height: 2, channels: 3, data: new Uint8Array(24).fill(90) };
    const r = renderAttribution(t([2, 1, 1, 2], [0, 0, 1, 1]), { method: 'masked_image', image: big, item: 1, outlierPercent: 0 });
    expect(r.width).toBe(4);
    expect(px(r, 0)).toEqual([90, 90, 90, 255]);
  });

  it('refuses what Captum refuses, with a hint', () => {
    const a = t([1, 1, 1, 2], [1, -1]);
    expect(() => renderAttribution(a, { method: 'masked_image', sign: 'all', image })).toThrow(/cannot show positive and negative/);
    expect(() => renderAttribution(a, { method: 'blended_heat_map' })).toThrow(/needs the original image/);
    expect(() => renderAttribution(a, { method: 'contour' as never })).toThrow(/unknown attribution rendering method/);
    expect(() => renderAttribution(a, { sign: 'both' as never })).toThrow(/unknown attribution sign/);
    expect(() => renderAttribution(a, { item: 3 })).toThrow(/out of range/);
  });

  it('an all-zero attribution renders as the lowest colour instead of failing (Captum asserts)', () => {
    const r = renderAttribution(t([1, 1, 2, 2], [0, 0, 0, 0]));
    expect(r.threshold).toBe(0);
    expect(px(r, 3)).toEqual([0xf7, 0xfb, 0xff, 255]);
  });
});
