/**
 * Bilinear resampling of 8-bit rasters and of float planes, and the three ways of fitting an image to a
 * model's input size (`stretch`, `center-crop`, `letterbox`).
 *
 * Conventions (so results line up with the Python tools people compare against):
 * - Pixel centres sit at half-integers (`alignCorners: false`): output pixel i samples the input at
 *   `(i + 0.5) * in / out - 0.5`, clamped at the borders. This is cv2.resize INTER_LINEAR and
 *   torch.nn.functional.interpolate(mode='bilinear', align_corners=False).
 * - `alignCorners: true` maps the corner pixel centres onto each other: `i * (in - 1) / (out - 1)`.
 * - `antialias: true` widens the triangle filter by the shrink factor when downscaling (PIL's
 *   `Image.resize(BILINEAR)`, torchvision `Resize(antialias=True)`); when enlarging it is identical to
 *   plain bilinear. Rasters default to antialiasing (like torchvision preprocessing); planes do not
 *   (like pytorch-grad-cam's cv2.resize of CAM maps).
 */

import { ConvlensError, ErrorCodes } from '../errors.ts';
import { assertRaster } from './raster.ts';
import type { Raster } from './raster.ts';

/** Options for one resampling call. */
export interface ResampleOptions {
  /**
   * Map corner pixel centres onto each other instead of using half-pixel centres.
   * Default `false` (= cv2 INTER_LINEAR / torch `align_corners=False`).
   */
  alignCorners?: boolean;
  /**
   * When shrinking, average over the footprint of each output pixel (PIL / torchvision antialias) instead
   * of sampling 2 taps. Ignored when `alignCorners` is true. Default: `true` for rasters, `false` for planes.
   */
  antialias?: boolean;
}

/** Per-output-index filter taps along one axis. */
interface Axis {
  readonly outSize: number;
  readonly first: Int32Array;
  readonly count: Int32Array;
  readonly maxTaps: number;
  readonly weights: Float64Array;
}

function checkSize(what: string, w: number, h: number): void {
  if (!Number.isInteger(w) || !Number.isInteger(h) || w < 1 || h < 1) {
    throw new ConvlensError(ErrorCodes.BAD_USAGE, `${what}: size must be positive integers, got ${w}x${h}`);
  }
}

function buildAxis(inSize: number, outSize: number, opts: ResampleOptions): Axis {
  const alignCorners = opts.alignCorners ?? false;
  const scale = inSize / outSize;
  const aa = (opts.antialias ?? false) && !alignCorners && scale > 1;
  if (!aa) {
    const first = new Int32Array(outSize), count = new Int32Array(outSize), weights = new Float64Array(outSize * 2);
    for (let i = 0; i < outSize; i++) {
      let src = alignCorners ? (outSize > 1 ? (i * (inSize - 1)) / (outSize - 1) : 0) : (i + 0.5) * scale - 0.5;
      if (src < 0) src = 0;
      let i0 = Math.floor(src);
      if (i0 >= inSize - 1) { i0 = inSize - 1; src = i0; }
      const lambda = src - i0;
      first[i] = i0;
      // Zero-weight taps are dropped so a NaN neighbour does not leak into exact samples.
      if (lambda > 0) { count[i] = 2; weights[2 * i] = 1 - lambda; weights[2 * i + 1] = lambda; }
      else { count[i] = 1; weights[2 * i] = 1; }
    }
    return { outSize, first, count, maxTaps: 2, weights };
  }
  // Antialiased: triangle filter of half-width `scale` around the output pixel centre (PIL precompute_coeffs).
  const support = scale;
  const maxTaps = Math.ceil(support) * 2 + 1;
  const first = new Int32Array(outSize), count = new Int32Array(outSize), weights = new Float64Array(outSize * maxTaps);
  for (let i = 0; i < outSize; i++) {
    const center = (i + 0.5) * scale;
    const xmin = Math.max(Math.trunc(center - support + 0.5), 0);
    const xmax = Math.min(Math.trunc(center + support + 0.5), inSize);
    let total = 0;
    let n = 0;
    for (let x = xmin; x < xmax && n < maxTaps; x++, n++) {
      const t = Math.abs((x - center + 0.5) / scale);
      const w = t < 1 ? 1 - t : 0;
      weights[i * maxTaps + n] = w;
      total += w;
    }
    for (let k = 0; k < n; k++) weights[i * maxTaps + k] /= total;
    first[i] = xmin;
    count[i] = n;
  }
  return { outSize, first, count, maxTaps, weights };
}

/** Keeps output indices [start, start + length) of an axis (a crop of the resized image). */
function sliceAxis(a: Axis, start: number, length: number): Axis {
  return {
    outSize: length,
    first: a.first.slice(start, start + length),
    count: a.count.slice(start, start + length),
    maxTaps: a.maxTaps,
    weights: a.weights.slice(start * a.maxTaps, (start + length) * a.maxTaps),
  };
}

/** Separable resampling of interleaved data with `c` channels: horizontal pass, then vertical. */
function resample(src: ArrayLike<number>, w: number, c: number, xa: Axis, ya: Axis): Float32Array {
  const outW = xa.outSize, outH = ya.outSize;
  const rowLen = outW * c;
  // Only the input rows the vertical pass reads are filtered horizontally.
  let rowMin = Infinity, rowMax = -1;
  for (let oy = 0; oy < outH; oy++) {
    rowMin = Math.min(rowMin, ya.first[oy]!);
    rowMax = Math.max(rowMax, ya.first[oy]! + ya.count[oy]! - 1);
  }
  const tmp = new Float32Array(Math.max(0, rowMax - rowMin + 1) * rowLen);
  for (let y = rowMin; y <= rowMax; y++) {
    const srcRow = y * w * c;
    const dstRow = (y - rowMin) * rowLen;
    for (let ox = 0; ox < outW; ox++) {
      const f = xa.first[ox]!, n = xa.count[ox]!, wb = ox * xa.maxTaps;
      for (let ch = 0; ch < c; ch++) {
        let acc = 0;
        for (let t = 0; t < n; t++) acc += xa.weights[wb + t]! * src[srcRow + (f + t) * c + ch]!;
        tmp[dstRow + ox * c + ch] = acc;
      }
    }
  }
  const out = new Float32Array(outH * rowLen);
  for (let oy = 0; oy < outH; oy++) {
    const f = ya.first[oy]!, n = ya.count[oy]!, wb = oy * ya.maxTaps;
    const o = oy * rowLen;
    for (let t = 0; t < n; t++) {
      const wt = ya.weights[wb + t]!;
      const r = (f + t - rowMin) * rowLen;
      for (let i = 0; i < rowLen; i++) out[o + i]! += wt * tmp[r + i]!;
    }
  }
  return out;
}

/**
 * Bilinear resize of a single float plane (row-major, `h` rows × `w` columns) to `H` × `W`.
 *
 * With the default `alignCorners: false` the result matches cv2.resize(plane, (W, H),
 * interpolation=INTER_LINEAR) and torch.nn.functional.interpolate(x, size=(H, W), mode='bilinear',
 * align_corners=False) — the half-pixel convention pytorch-grad-cam uses to upsample CAM maps.
 * Non-finite values propagate only to output pixels that actually sample them.
 *
 * @example
 * const up = resizePlaneBilinear(cam, 7, 7, 224, 224); // 7x7 Grad-CAM map → input resolution
 */
export function resizePlaneBilinear(plane: Float32Array, h: number, w: number, H: number, W: number, opts: ResampleOptions = {}): Float32Array {
  checkSize('resizePlaneBilinear input', w, h);
  checkSize('resizePlaneBilinear output', W, H);
  if (plane.length !== w * h) {
    throw new ConvlensError(ErrorCodes.BAD_USAGE, `resizePlaneBilinear: plane has ${plane.length} values, expected ${h}x${w} = ${h * w}`);
  }
  if (h === H && w === W) return plane.slice();
  return resample(plane, w, 1, buildAxis(w, W, opts), buildAxis(h, H, opts));
}

function toBytes(values: Float32Array): Uint8Array {
  const out = new Uint8Array(values.length);
  for (let i = 0; i < values.length; i++) {
    const v = Math.round(values[i]!);
    out[i] = v < 0 ? 0 : v > 255 ? 255 : v;
  }
  return out;
}

/** Resamples a raster through the given axes; RGBA is resampled premultiplied so transparent pixels do not bleed colour. */
function resampleRaster(r: Raster, xa: Axis, ya: Axis): Raster {
  const c = r.channels;
  if (c !== 4) return { width: xa.outSize, height: ya.outSize, channels: c, data: toBytes(resample(r.data, r.width, c, xa, ya)) };
  const n = r.width * r.height;
  const pre = new Float32Array(n * 4);
  for (let i = 0; i < n; i++) {
    const a = r.data[4 * i + 3]! / 255;
    pre[4 * i] = r.data[4 * i]! * a; pre[4 * i + 1] = r.data[4 * i + 1]! * a; pre[4 * i + 2] = r.data[4 * i + 2]! * a; pre[4 * i + 3] = r.data[4 * i + 3]!;
  }
  const out = resample(pre, r.width, 4, xa, ya);
  for (let i = 0; i < out.length; i += 4) {
    const a = out[i + 3]! / 255;
    if (a > 0) { out[i]! /= a; out[i + 1]! /= a; out[i + 2]! /= a; } else { out[i] = 0; out[i + 1] = 0; out[i + 2] = 0; }
  }
  return { width: xa.outSize, height: ya.outSize, channels: 4, data: toBytes(out) };
}

/**
 * Bilinear resize of a raster to `width` × `height`, antialiased when shrinking unless
 * `opts.antialias === false` (then it matches cv2.resize INTER_LINEAR up to rounding).
 */
export function resizeRaster(r: Raster, width: number, height: number, opts: ResampleOptions = {}): Raster {
  assertRaster(r);
  checkSize('resizeRaster input', r.width, r.height);
  checkSize('resizeRaster output', width, height);
  const o = { alignCorners: opts.alignCorners, antialias: opts.antialias ?? true };
  if (width === r.width && height === r.height) return { ...r, data: r.data.slice() };
  return resampleRaster(r, buildAxis(r.width, width, o), buildAxis(r.height, height, o));
}

/** How an image is fitted to a model's fixed input size. */
export type ResizeMode = 'stretch' | 'center-crop' | 'letterbox';

/** Options for {@link fitRaster}. */
export interface FitOptions {
  /**
   * - `stretch`: resize to exactly the target size, ignoring aspect ratio.
   * - `center-crop`: scale so the image covers the target (shorter side to target), then cut the centre —
   *   torchvision `Resize` + `CenterCrop`.
   * - `letterbox`: scale so the whole image fits inside, then pad the rest with `fill` (YOLO-style).
   */
  mode: ResizeMode;
  /**
   * `center-crop` only: fraction of the scaled image kept, like timm's `crop_pct`. 0.875 reproduces the
   * classic ImageNet evaluation `Resize(256)` + `CenterCrop(224)`. Default 1 (scale straight to the target).
   */
  cropFraction?: number;
  /** `letterbox` padding colour, one value per channel (or one for all), 0-255. Default 0 (black). */
  fill?: number | readonly number[];
  /** See {@link ResampleOptions.antialias}. Default true. */
  antialias?: boolean;
}

/**
 * Where the source image ended up in the model input, so maps computed on the input can be related back to
 * the image: source pixel centre `xs` lands at input coordinate `(xs + 0.5) * scaleX - 0.5 + offsetX`
 * (likewise for y). `offsetX/Y` are negative for a crop and positive for letterbox padding.
 */
export interface FitGeometry {
  readonly mode: ResizeMode;
  readonly sourceWidth: number;
  readonly sourceHeight: number;
  /** Size of the scaled image before cropping/padding. */
  readonly resizedWidth: number;
  readonly resizedHeight: number;
  readonly scaleX: number;
  readonly scaleY: number;
  readonly offsetX: number;
  readonly offsetY: number;
  /** Target (model input) size. */
  readonly width: number;
  readonly height: number;
}

/** Python's round(): half to even (torchvision's CenterCrop offsets use it). */
function roundHalfEven(x: number): number {
  const r = Math.round(x);
  return Math.abs(x % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/** Computes the geometry {@link fitRaster} will use, without touching pixels. */
export function fitGeometry(sourceWidth: number, sourceHeight: number, size: readonly [number, number], opts: FitOptions): FitGeometry {
  const [H, W] = size;
  checkSize('fit source', sourceWidth, sourceHeight);
  checkSize('fit target', W, H);
  const w = sourceWidth, h = sourceHeight;
  let rw: number, rh: number, ox: number, oy: number;
  if (opts.mode === 'stretch') {
    rw = W; rh = H; ox = 0; oy = 0;
  } else if (opts.mode === 'center-crop') {
    const cf = opts.cropFraction ?? 1;
    if (!(cf > 0 && cf <= 1)) throw new ConvlensError(ErrorCodes.BAD_USAGE, `cropFraction must be in (0, 1], got ${cf}`);
    // The axis that decides the scale gets exactly target/cropFraction; the other is truncated like
    // torchvision's Resize(int) (`int(short * long / short_side)`), and never smaller than the target.
    if (W / w >= H / h) {
      rw = Math.max(W, Math.round(W / cf));
      rh = Math.max(H, Math.floor((h * rw) / w));
    } else {
      rh = Math.max(H, Math.round(H / cf));
      rw = Math.max(W, Math.floor((w * rh) / h));
    }
    ox = 0 - roundHalfEven((rw - W) / 2); // (0 - x, not -x: no negative zero)
    oy = 0 - roundHalfEven((rh - H) / 2);
  } else if (opts.mode === 'letterbox') {
    const s = Math.min(W / w, H / h);
    rw = Math.min(W, Math.max(1, Math.round(w * s)));
    rh = Math.min(H, Math.max(1, Math.round(h * s)));
    ox = Math.floor((W - rw) / 2);
    oy = Math.floor((H - rh) / 2);
  } else {
    throw new ConvlensError(ErrorCodes.BAD_USAGE, `unknown resize mode '${String(opts.mode)}'`, { hint: "use 'stretch', 'center-crop' or 'letterbox'" });
  }
  return { mode: opts.mode, sourceWidth: w, sourceHeight: h, resizedWidth: rw, resizedHeight: rh, scaleX: rw / w, scaleY: rh / h, offsetX: ox, offsetY: oy, width: W, height: H };
}

/**
 * Fits a raster to a model input size `[height, width]` with the given mode and returns the fitted raster
 * (same channel count) and its {@link FitGeometry}.
 *
 * @example
 * const { raster } = fitRaster(img, [224, 224], { mode: 'center-crop', cropFraction: 0.875 });
 */
export function fitRaster(r: Raster, size: readonly [number, number], opts: FitOptions): { raster: Raster; geometry: FitGeometry } {
  assertRaster(r);
  const g = fitGeometry(r.width, r.height, size, opts);
  const ro: ResampleOptions = { antialias: opts.antialias ?? true };
  let xa = buildAxis(r.width, g.resizedWidth, ro);
  let ya = buildAxis(r.height, g.resizedHeight, ro);
  if (opts.mode !== 'letterbox') {
    xa = sliceAxis(xa, -g.offsetX, g.width);
    ya = sliceAxis(ya, -g.offsetY, g.height);
    return { raster: resampleRaster(r, xa, ya), geometry: g };
  }
  const inner = resampleRaster(r, xa, ya);
  const c = r.channels;
  const fillArr = typeof opts.fill === 'number' ? [opts.fill] : opts.fill ?? [0];
  const px = Array.from({ length: c }, (_, i) => (fillArr.length === 1 ? fillArr[0]! : fillArr[i] ?? (i === 3 ? 255 : 0)));
  const out = new Uint8Array(g.width * g.height * c);
  for (let i = 0; i < out.length; i += c) for (let k = 0; k < c; k++) out[i + k] = px[k]!;
  for (let y = 0; y < inner.height; y++) {
    out.set(inner.data.subarray(y * inner.width * c, (y + 1) * inner.width * c), ((y + g.offsetY) * g.width + g.offsetX) * c);
  }
  return { raster: { width: g.width, height: g.height, channels: c, data: out }, geometry: g };
}
