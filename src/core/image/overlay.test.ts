// Tests for heat-map overlays: the show_cam_on_image blend, upsampling to the image, NaN marking.
import { describe, expect, it } from 'vitest';
import { colormapLut, NON_FINITE_COLOR } from './colormap.ts';
import { overlayHeatmap } from './overlay.ts';
import type { Raster } from './raster.ts';

const gray = (w: number, h: number, v: number): Raster => ({ width: w, height: h, channels: 3, data: new Uint8Array(w * h * 3).fill(v) });

describe('overlayHeatmap', () => {
  it('blends (1 - w) * heat + w * image like pytorch-grad-cam show_cam_on_image', () => {
    const img = gray(2, 1, 100);
    const out = overlayHeatmap(img, new Float32Array([0, 1]), 2, 1, { min: 0, max: 1 });
    const jet = colormapLut('jet');
    for (let c = 0; c < 3; c++) {
      expect(out.data[c]).toBe(Math.round(255 * (0.5 * (jet[c]! / 255) + 0.5 * (100 / 255))));
      expect(out.data[4 + c]).toBe(Math.round(255 * (0.5 * (jet[3 * 255 + c]! / 255) + 0.5 * (100 / 255))));
    }
    expect(out.data[3]).toBe(255);
  });

  it('imageWeight 1 shows the image, 0 the heat; rescaleToMax brightens to a peak of 255', () => {
    const img = gray(2, 1, 100);
    const map = new Float32Array([0, 1]);
    expect(Array.from(overlayHeatmap(img, map, 2, 1, { imageWeight: 1 }).data.subarray(0, 3))).toEqual([100, 100, 100]);
    const heat = overlayHeatmap(img, map, 2, 1, { imageWeight: 0, colormap: 'gray' });
    expect(Array.from(heat.data)).toEqual([0, 0, 0, 255, 255, 255, 255, 255]);
    const dim = overlayHeatmap(gray(2, 1, 0), new Float32Array([0, 0.5]), 2, 1, { colormap: 'gray', min: 0, max: 1, rescaleToMax: true });
    expect(Math.max(...dim.data.filter((_, i) => i % 4 !== 3))).toBe(255);
  });

  it('upsamples the map to the image size with half-pixel centres', () => {
    const out = overlayHeatmap(gray(8, 6, 0), new Float32Array([0, 1, 0, 1]), 2, 2, { colormap: 'gray', imageWeight: 0, min: 0, max: 1 });
    expect([out.width, out.height]).toEqual([8, 6]);
    // left edge samples column 0 only (value 0), right edge column 1 only (value 1)
    expect(out.data[0]).toBe(0);
    expect(out.data[4 * 7]).toBe(255);
  });

  it('paints NaN/Inf in the marker colour and counts them', () => {
    const out = overlayHeatmap(gray(3, 1, 50), new Float32Array([0, NaN, 1]), 3, 1);
    expect(out.nonFinite).toBe(1);
    expect(Array.from(out.data.subarray(4, 7))).toEqual([...NON_FINITE_COLOR]);
    expect(Array.from(out.data.subarray(0, 3))).not.toEqual([...NON_FINITE_COLOR]);
    expect([out.min, out.max]).toEqual([0, 1]);
  });

  it('rejects bad inputs', () => {
    expect(() => overlayHeatmap(gray(2, 2, 0), new Float32Array(3), 2, 2)).toThrow(/3 values do not make a 2x2 map/);
    expect(() => overlayHeatmap(gray(2, 2, 0), new Float32Array(4), 2, 2, { imageWeight: 2 })).toThrow(/imageWeight/);
  });
});
