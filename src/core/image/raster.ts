/**
 * The pixel container every image function in convlens takes and returns: an 8-bit, interleaved,
 * row-major raster with 1 (gray), 3 (RGB) or 4 (RGBA, straight alpha) channels, plus conversions between
 * them. Plain data (no methods) so rasters cross workers and WebSockets.
 */

import { ConvlensError, ErrorCodes } from '../errors.ts';

export type ChannelCount = 1 | 3 | 4;

/** An 8-bit interleaved image: pixel (x, y) channel c is `data[(y * width + x) * channels + c]`. */
export interface Raster {
  readonly width: number;
  readonly height: number;
  readonly channels: ChannelCount;
  readonly data: Uint8Array;
}

/** A {@link Raster} with straight (non-premultiplied) RGBA pixels — what renderers produce and PNG stores. */
export interface RgbaImage extends Raster {
  readonly channels: 4;
}

/** An RGB(A) colour, components 0-255; alpha defaults to 255. */
export type Rgb = readonly [number, number, number];
export type Rgba = readonly [number, number, number, number];

/** ITU-R BT.601 luma weights (what PIL's `convert('L')` and OpenCV's `COLOR_RGB2GRAY` use). */
export const LUMA_601 = [0.299, 0.587, 0.114] as const;

/** Checks that a raster's fields are consistent; throws `E_IMAGE_FORMAT` naming what is wrong. */
export function assertRaster(r: Raster, what = 'image'): void {
  if (!Number.isInteger(r.width) || !Number.isInteger(r.height) || r.width < 0 || r.height < 0) {
    throw new ConvlensError(ErrorCodes.IMAGE_FORMAT, `${what}: invalid size ${r.width}x${r.height}`);
  }
  if (r.channels !== 1 && r.channels !== 3 && r.channels !== 4) {
    throw new ConvlensError(ErrorCodes.IMAGE_FORMAT, `${what}: ${String(r.channels)} channels (expected 1, 3 or 4)`);
  }
  const expected = r.width * r.height * r.channels;
  if (!(r.data instanceof Uint8Array) || r.data.length !== expected) {
    throw new ConvlensError(
      ErrorCodes.IMAGE_FORMAT,
      `${what}: ${r.width}x${r.height}x${r.channels} needs ${expected} bytes, got ${r.data?.length ?? 'none'}`,
    );
  }
}

/** Allocates a raster filled with one colour (components beyond `channels` are ignored; default black, opaque). */
export function createRaster<C extends ChannelCount>(width: number, height: number, channels: C, fill: readonly number[] = [0, 0, 0, 255]): Raster & { channels: C } {
  const data = new Uint8Array(width * height * channels);
  const px = channels === 1 ? [fill[0] ?? 0] : channels === 3 ? [fill[0] ?? 0, fill[1] ?? 0, fill[2] ?? 0] : [fill[0] ?? 0, fill[1] ?? 0, fill[2] ?? 0, fill[3] ?? 255];
  if (px.some((v) => v !== 0)) for (let i = 0; i < data.length; i += channels) for (let c = 0; c < channels; c++) data[i + c] = px[c]!;
  return { width, height, channels, data };
}

/** Allocates an RGBA image filled with `fill` (default transparent black). */
export function createRgba(width: number, height: number, fill: Rgba = [0, 0, 0, 0]): RgbaImage {
  return createRaster(width, height, 4, fill);
}

function luma(r: number, g: number, b: number): number {
  return LUMA_601[0] * r + LUMA_601[1] * g + LUMA_601[2] * b;
}

/** Any raster → RGBA (gray is replicated; RGB gets alpha 255). Returns the input itself when already RGBA. */
export function toRgba(r: Raster): RgbaImage {
  assertRaster(r);
  if (r.channels === 4) return r as RgbaImage;
  const n = r.width * r.height;
  const out = new Uint8Array(n * 4);
  const src = r.data;
  if (r.channels === 1) {
    for (let i = 0; i < n; i++) { const v = src[i]!; out[4 * i] = v; out[4 * i + 1] = v; out[4 * i + 2] = v; out[4 * i + 3] = 255; }
  } else {
    for (let i = 0; i < n; i++) { out[4 * i] = src[3 * i]!; out[4 * i + 1] = src[3 * i + 1]!; out[4 * i + 2] = src[3 * i + 2]!; out[4 * i + 3] = 255; }
  }
  return { width: r.width, height: r.height, channels: 4, data: out };
}

/**
 * Any raster → RGB. Gray is replicated; RGBA is composited over `background` (default white), the same
 * as flattening a transparent PNG onto a white page.
 */
export function toRgb(r: Raster, background: Rgb = [255, 255, 255]): Raster & { channels: 3 } {
  assertRaster(r);
  if (r.channels === 3) return r as Raster & { channels: 3 };
  const n = r.width * r.height;
  const out = new Uint8Array(n * 3);
  const src = r.data;
  if (r.channels === 1) {
    for (let i = 0; i < n; i++) { const v = src[i]!; out[3 * i] = v; out[3 * i + 1] = v; out[3 * i + 2] = v; }
  } else {
    for (let i = 0; i < n; i++) {
      const a = src[4 * i + 3]! / 255;
      for (let c = 0; c < 3; c++) out[3 * i + c] = Math.round(src[4 * i + c]! * a + background[c]! * (1 - a));
    }
  }
  return { width: r.width, height: r.height, channels: 3, data: out };
}

/** Any raster → 1-channel gray using ITU-R 601 luma (RGBA is first flattened over `background`). */
export function toGray(r: Raster, background: Rgb = [255, 255, 255]): Raster & { channels: 1 } {
  assertRaster(r);
  if (r.channels === 1) return r as Raster & { channels: 1 };
  const rgb = toRgb(r, background);
  const n = r.width * r.height;
  const out = new Uint8Array(n);
  const src = rgb.data;
  for (let i = 0; i < n; i++) out[i] = Math.round(luma(src[3 * i]!, src[3 * i + 1]!, src[3 * i + 2]!));
  return { width: r.width, height: r.height, channels: 1, data: out };
}

/** Converts to the requested channel count with {@link toGray} / {@link toRgb} / {@link toRgba}. */
export function toChannels(r: Raster, channels: ChannelCount, background: Rgb = [255, 255, 255]): Raster {
  return channels === 1 ? toGray(r, background) : channels === 3 ? toRgb(r, background) : toRgba(r);
}

/** Copies a rectangle out of a raster (clipped to the raster's bounds). */
export function cropRaster(r: Raster, x: number, y: number, width: number, height: number): Raster {
  assertRaster(r);
  const x0 = Math.max(0, Math.floor(x)), y0 = Math.max(0, Math.floor(y));
  const x1 = Math.min(r.width, Math.floor(x + width)), y1 = Math.min(r.height, Math.floor(y + height));
  const w = Math.max(0, x1 - x0), h = Math.max(0, y1 - y0);
  const c = r.channels;
  const out = new Uint8Array(w * h * c);
  for (let row = 0; row < h; row++) {
    const s = ((y0 + row) * r.width + x0) * c;
    out.set(r.data.subarray(s, s + w * c), row * w * c);
  }
  return { width: w, height: h, channels: c, data: out };
}
