// Tests for resampling: values pinned against torch.nn.functional.interpolate / PIL conventions, NaN
// locality, premultiplied alpha, and the geometry of the three fit modes.
import { describe, expect, it } from 'vitest';
import { cropRaster } from './raster.ts';
import type { Raster } from './raster.ts';
import { fitGeometry, fitRaster, resizePlaneBilinear, resizeRaster } from './resize.ts';

function close(a: ArrayLike<number>, b: readonly number[], tol = 1e-5): void {
  expect(a.length).toBe(b.length);
  for (let i = 0; i < b.length; i++) {
    if (Math.abs(a[i]! - b[i]!) > tol) throw new Error(`index ${i}: got ${a[i]}, expected ${b[i]}`);
  }
}

describe('resizePlaneBilinear', () => {
  const p = new Float32Array([1, 2, 3, 4]);

  it('alignCorners=false matches torch interpolate(align_corners=False) / cv2 INTER_LINEAR', () => {
    // torch.nn.functional.interpolate(torch.tensor([[[[1., 2.], [3., 4.]]]]), size=4, mode='bilinear', align_corners=False)
    close(resizePlaneBilinear(p, 2, 2, 4, 4), [
      1.0, 1.25, 1.75, 2.0,
      1.5, 1.75, 2.25, 2.5,
      2.5, 2.75, 3.25, 3.5,
      3.0, 3.25, 3.75, 4.0,
    ]);
  });

  it('alignCorners=true maps corner centres onto each other', () => {
    const out = resizePlaneBilinear(p, 2, 2, 4, 4, { alignCorners: true });
    close(out.subarray(0, 4), [1, 4 / 3, 5 / 3, 2]);
    close(out.subarray(12, 16), [3, 10 / 3, 11 / 3, 4]);
  });

  it('downsampling without antialias samples 2 taps at half-pixel centres', () => {
    const ramp = Float32Array.from({ length: 16 }, (_, i) => i); // value = 4*row + col
    close(resizePlaneBilinear(ramp, 4, 4, 2, 2), [2.5, 4.5, 10.5, 12.5]);
  });

  it('downsampling with antialias uses the widened triangle filter (PIL / torch antialias=True)', () => {
    // torch.nn.functional.interpolate(torch.arange(4.).view(1, 1, 1, 4), size=(1, 2), mode='bilinear', antialias=True) → [0.7143, 2.2857]
    close(resizePlaneBilinear(new Float32Array([0, 1, 2, 3]), 1, 4, 1, 2, { antialias: true }), [5 / 7, 16 / 7]);
  });

  it('keeps NaN local: only outputs that sample the NaN become NaN', () => {
    const m = new Float32Array(16).fill(1);
    m[0] = NaN;
    const out = resizePlaneBilinear(m, 4, 4, 8, 8);
    expect(Number.isNaN(out[0]!)).toBe(true);
    expect(out[63]).toBe(1);
    expect(out[3]).toBe(1); // column 3 samples input columns 1 and 2 only
  });

  it('returns a copy for the identity and rejects bad sizes', () => {
    const out = resizePlaneBilinear(p, 2, 2, 2, 2);
    expect(out).not.toBe(p);
    close(out, [1, 2, 3, 4]);
    expect(() => resizePlaneBilinear(p, 2, 3, 4, 4)).toThrow(/4 values, expected 2x3/);
    expect(() => resizePlaneBilinear(p, 2, 2, 0, 4)).toThrow(/positive integers/);
  });
});

describe('resizeRaster', () => {
  it('keeps a constant image constant', () => {
    const r: Raster = { width: 5, height: 3, channels: 3, data: new Uint8Array(45).fill(77) };
    for (const [w, h] of [[2, 2], [11, 7], [5, 1]] as const) {
      const out = resizeRaster(r, w, h);
      expect(out.data.every((v) => v === 77)).toBe(true);
    }
  });

  it('resamples RGBA premultiplied so transparent pixels do not bleed their colour', () => {
    const r: Raster = { width: 2, height: 1, channels: 4, data: new Uint8Array([255, 0, 0, 255, 0, 255, 0, 0]) };
    const out = resizeRaster(r, 4, 1);
    // the half-covered pixels are pure red with partial alpha, not a red/green mix
    expect(Array.from(out.data.subarray(4, 8))).toEqual([255, 0, 0, 191]);
    expect(Array.from(out.data.subarray(8, 12))).toEqual([255, 0, 0, 64]);
  });
});

describe('fitGeometry / fitRaster', () => {
  it('center-crop with cropFraction 0.875 reproduces Resize(256) + CenterCrop(224)', () => {
    const g = fitGeometry(500, 375, [224, 224], { mode: 'center-crop', cropFraction: 0.875 });
    expect([g.resizedWidth, g.resizedHeight]).toEqual([341, 256]); // int(256 * 500 / 375) = 341
    expect([g.offsetX, g.offsetY]).toEqual([-58, -16]); // round((341 - 224) / 2) = round(58.5) = 58 (half to even)
  });

  it('center-crop scales the shorter side to the target', () => {
    const g = fitGeometry(300, 100, [50, 50], { mode: 'center-crop' });
    expect([g.resizedWidth, g.resizedHeight, g.offsetX, g.offsetY]).toEqual([150, 50, -50, 0]);
  });

  it('letterbox fits inside and centres with padding', () => {
    const g = fitGeometry(200, 100, [100, 100], { mode: 'letterbox' });
    expect([g.resizedWidth, g.resizedHeight, g.offsetX, g.offsetY]).toEqual([100, 50, 0, 25]);
  });

  it('fitRaster letterbox pads with the fill colour', () => {
    const img: Raster = { width: 4, height: 2, channels: 3, data: new Uint8Array(24).fill(200) };
    const { raster } = fitRaster(img, [4, 4], { mode: 'letterbox', fill: [1, 2, 3] });
    expect([raster.width, raster.height]).toEqual([4, 4]);
    expect(Array.from(raster.data.subarray(0, 3))).toEqual([1, 2, 3]); // row 0 is padding
    expect(Array.from(raster.data.subarray(12, 15))).toEqual([200, 200, 200]); // row 1 is image
    expect(Array.from(raster.data.subarray(45, 48))).toEqual([1, 2, 3]); // row 3 is padding
  });

  it('fitRaster center-crop equals resize-then-crop exactly', () => {
    const data = Uint8Array.from({ length: 37 * 23 * 3 }, (_, i) => (i * 7919) % 256);
    const img: Raster = { width: 37, height: 23, channels: 3, data };
    const { raster, geometry: g } = fitRaster(img, [16, 16], { mode: 'center-crop', cropFraction: 0.8 });
    const ref = cropRaster(resizeRaster(img, g.resizedWidth, g.resizedHeight), -g.offsetX, -g.offsetY, 16, 16);
    expect(Array.from(raster.data)).toEqual(Array.from(ref.data));
  });

  it('rejects unknown modes and bad crop fractions', () => {
    expect(() => fitGeometry(10, 10, [5, 5], { mode: 'zoom' as 'stretch' })).toThrow(/unknown resize mode 'zoom'/);
    expect(() => fitGeometry(10, 10, [5, 5], { mode: 'center-crop', cropFraction: 1.5 })).toThrow(/cropFraction/);
  });
});
