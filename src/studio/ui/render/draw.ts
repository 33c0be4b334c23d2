/**
 * Drawing raw float32 arrays (activations, weights, CAMs, images from the server) into canvases:
 * scalar planes through a colour-map LUT (into a caller's ImageData, e.g. one tile of a channel grid) and
 * CHW RGB images, scaled up by the canvas; plus number formats for labels. Non-finite values are painted
 * magenta (the core's marker colour), never hidden.
 */

import { finiteStats } from '../../../core/image/normalize.ts';

export interface Range { min: number; max: number }

/** Finite min/max of `values[offset .. offset+n)` (core's `finiteStats` on a view; {0, 0} when none is finite). */
export function finiteRange(values: Float32Array, offset = 0, n = values.length - offset): Range {
  const { min, max, finite } = finiteStats(values.subarray(offset, offset + n));
  return finite ? { min, max } : { min: 0, max: 0 };
}

/** Write one scalar plane into `out` (RGBA bytes, row stride `stride` pixels) at (x0, y0). */
export function paintPlane(
  out: Uint8ClampedArray, stride: number, x0: number, y0: number,
  values: Float32Array, offset: number, w: number, h: number, range: Range, lut: Uint8Array,
): void {
  const span = range.max - range.min;
  const scale = span > 0 ? 255 / span : 0;
  for (let y = 0; y < h; y++) {
    let o = ((y0 + y) * stride + x0) * 4;
    let i = offset + y * w;
    for (let x = 0; x < w; x++, i++, o += 4) {
      const v = values[i]!;
      if (!Number.isFinite(v)) { out[o] = 255; out[o + 1] = 0; out[o + 2] = 255; out[o + 3] = 255; continue; }
      let t = span > 0 ? Math.round((v - range.min) * scale) : 128;
      t = t < 0 ? 0 : t > 255 ? 255 : t;
      out[o] = lut[3 * t]!; out[o + 1] = lut[3 * t + 1]!; out[o + 2] = lut[3 * t + 2]!; out[o + 3] = 255;
    }
  }
}

/** A `[C, H, W]` image (C = 1 or 3) as ImageData. Values are mapped from `range` (default [0, 1]) to 0..255. */
export function chwToImageData(values: Float32Array, c: number, h: number, w: number, range: Range = { min: 0, max: 1 }): ImageData {
  const img = new ImageData(w, h);
  const d = img.data, n = h * w, span = range.max - range.min || 1;
  for (let p = 0; p < n; p++) {
    for (let k = 0; k < 3; k++) {
      const v = values[(c >= 3 ? k : 0) * n + p]!;
      d[4 * p + k] = Number.isFinite(v) ? ((v - range.min) / span) * 255 : k === 1 ? 0 : 255;
    }
    d[4 * p + 3] = 255;
  }
  return img;
}

/** Put `img` on `canvas` scaled to the canvas size (pixelated unless `smooth`). */
export function drawScaled(canvas: HTMLCanvasElement, img: ImageData, smooth = false): void {
  const ctx = canvas.getContext('2d');
  if (!ctx) return;
  const tmp = document.createElement('canvas');
  tmp.width = img.width; tmp.height = img.height;
  tmp.getContext('2d')!.putImageData(img, 0, 0);
  ctx.imageSmoothingEnabled = smooth;
  ctx.imageSmoothingQuality = 'high';
  ctx.clearRect(0, 0, canvas.width, canvas.height);
  ctx.drawImage(tmp, 0, 0, canvas.width, canvas.height);
}

/** Format a number compactly for labels (3 significant digits, exponent when tiny/huge). */
export function fmt(v: number): string {
  if (!Number.isFinite(v)) return String(v);
  if (v === 0) return '0';
  const a = Math.abs(v);
  if (a >= 1e5 || a < 1e-3) return v.toExponential(2);
  return Number(v.toPrecision(3)).toString();
}

/** 1234567 → "1.23M". */
export function fmtCount(n: number): string {
  if (n >= 1e9) return `${(n / 1e9).toFixed(2)}G`;
  if (n >= 1e6) return `${(n / 1e6).toFixed(2)}M`;
  if (n >= 1e3) return `${(n / 1e3).toFixed(1)}k`;
  return String(n);
}
