// Tests for raster conversions: luma weights, alpha flattening, validation.
import { describe, expect, it } from 'vitest';
import { assertRaster, createRaster, cropRaster, toGray, toRgb, toRgba } from './raster.ts';
import type { Raster } from './raster.ts';

const rgb = (px: number[][]): Raster => ({ width: px.length, height: 1, channels: 3, data: Uint8Array.from(px.flat()) });

describe('raster conversions', () => {
  it('toGray uses ITU-R 601 luma (0.299 R + 0.587 G + 0.114 B)', () => {
    const g = toGray(rgb([[255, 0, 0], [0, 255, 0], [0, 0, 255], [10, 20, 30]]));
    expect(g.channels).toBe(1);
    expect(Array.from(g.data)).toEqual([76, 150, 29, Math.round(0.299 * 10 + 0.587 * 20 + 0.114 * 30)]);
  });

  it('toRgb replicates gray and flattens alpha over the background', () => {
    const gray: Raster = { width: 2, height: 1, channels: 1, data: new Uint8Array([7, 200]) };
    expect(Array.from(toRgb(gray).data)).toEqual([7, 7, 7, 200, 200, 200]);
    const rgba: Raster = { width: 2, height: 1, channels: 4, data: new Uint8Array([255, 0, 0, 0, 255, 0, 0, 128]) };
    // fully transparent → background; half transparent red over white → (255, 127, 127)
    expect(Array.from(toRgb(rgba).data)).toEqual([255, 255, 255, 255, 127, 127]);
    expect(Array.from(toRgb(rgba, [0, 0, 0]).data)).toEqual([0, 0, 0, 128, 0, 0]);
  });

  it('toRgba adds opaque alpha', () => {
    expect(Array.from(toRgba(rgb([[1, 2, 3]])).data)).toEqual([1, 2, 3, 255]);
    const gray: Raster = { width: 1, height: 1, channels: 1, data: new Uint8Array([9]) };
    expect(Array.from(toRgba(gray).data)).toEqual([9, 9, 9, 255]);
  });

  it('createRaster fills and cropRaster clips to bounds', () => {
    const r = createRaster(3, 2, 3, [1, 2, 3]);
    expect(Array.from(r.data.subarray(0, 6))).toEqual([1, 2, 3, 1, 2, 3]);
    const src: Raster = { width: 3, height: 3, channels: 1, data: Uint8Array.from([0, 1, 2, 3, 4, 5, 6, 7, 8]) };
    const c = cropRaster(src, 1, 1, 5, 5);
    expect([c.width, c.height]).toEqual([2, 2]);
    expect(Array.from(c.data)).toEqual([4, 5, 7, 8]);
  });

  it('assertRaster rejects inconsistent rasters with E_IMAGE_FORMAT', () => {
    expect(() => assertRaster({ width: 2, height: 2, channels: 3, data: new Uint8Array(11) })).toThrow(/needs 12 bytes, got 11/);
    expect(() => assertRaster({ width: 1, height: 1, channels: 2 as 1, data: new Uint8Array(2) })).toThrow(/2 channels/);
    try { assertRaster({ width: -1, height: 1, channels: 1, data: new Uint8Array(0) }); } catch (e) { expect((e as { code: string }).code).toBe('E_IMAGE_FORMAT'); }
  });
});
