/**
 * Reference inputs ("baselines") that perturbation methods paste into occluded regions and that
 * path methods (Integrated Gradients) start from, all in model-input units and in the input's layout:
 *
 * - a number (Captum's scalar baseline; 0 is Captum's default) — e.g. `0` is the dataset mean colour
 *   for mean/std-normalised inputs;
 * - `'mean'` — the image's own mean colour (per-channel mean over all pixels);
 * - `'blur'` — the image blurred with a Gaussian of standard deviation `blurSigma` pixels
 *   (separable, truncated at 3σ, borders replicated);
 * - a tensor shaped like the input (a custom baseline, e.g. loaded from .npy).
 */
import { ConvlensError, ErrorCodes } from '../errors.ts';
import type { Tensor } from '../tensor.ts';
import type { ImageTensor } from './input.ts';

/** A baseline as a user gives it. */
export type BaselineSpec = number | 'zero' | 'mean' | 'blur' | Tensor;

/** Default blur for `'blur'` baselines: σ = min(H, W) / 8 pixels (28 px at 224², 8 px at 64²). */
export function defaultBlurSigma(H: number, W: number): number {
  return Math.max(1, Math.min(H, W) / 8);
}

/**
 * The baseline image for `img` (a new array of `C·H·W` values in the input's layout).
 *
 * @param blurSigma σ in pixels for `'blur'` (default {@link defaultBlurSigma})
 * @example
 * const b = makeBaseline('blur', img, { blurSigma: 10 });
 */
export function makeBaseline(spec: BaselineSpec, img: ImageTensor, opts: { blurSigma?: number } = {}): Float32Array {
  const n = img.C * img.H * img.W;
  if (typeof spec === 'number') {
    if (!Number.isFinite(spec)) throw new ConvlensError(ErrorCodes.BAD_USAGE, `baseline must be a finite number, got ${spec}`);
    return new Float32Array(n).fill(spec);
  }
  if (spec === 'zero') return new Float32Array(n);
  if (spec === 'mean') {
    const out = new Float32Array(n);
    const hw = img.H * img.W;
    for (let c = 0; c < img.C; c++) {
      let s = 0;
      for (let p = 0; p < hw; p++) s += img.data[c * img.cStride + p * img.pStride]!;
      const m = s / hw;
      for (let p = 0; p < hw; p++) out[c * img.cStride + p * img.pStride] = m;
    }
    return out;
  }
  if (spec === 'blur') return gaussianBlur(img, opts.blurSigma ?? defaultBlurSigma(img.H, img.W));
  if (typeof spec === 'object' && spec !== null && 'data' in spec) {
    if (spec.dtype !== 'float32' && spec.dtype !== 'float64') throw new ConvlensError(ErrorCodes.BAD_USAGE, `baseline tensor must be float32 or float64, got ${spec.dtype}`);
    const same = spec.dims.length === img.dims.length && spec.dims.every((d, i) => d === img.dims[i]);
    if (!same || spec.data.length !== n) {
      throw new ConvlensError(ErrorCodes.INPUT_SHAPE, `baseline has shape [${spec.dims.join(', ')}] but the input is [${img.dims.join(', ')}]`, { hint: 'give a baseline shaped like the input' });
    }
    return Float32Array.from(spec.data as Float32Array);
  }
  throw new ConvlensError(ErrorCodes.BAD_USAGE, `unknown baseline ${JSON.stringify(spec)}`, { hint: "use a number, 'zero', 'mean' or 'blur'" });
}

/** 1-D Gaussian taps for σ (radius ⌈3σ⌉), normalised to sum 1. */
function gaussianTaps(sigma: number): Float64Array {
  const r = Math.max(1, Math.ceil(3 * sigma));
  const taps = new Float64Array(2 * r + 1);
  let s = 0;
  for (let i = -r; i <= r; i++) s += taps[i + r] = Math.exp(-(i * i) / (2 * sigma * sigma));
  for (let i = 0; i < taps.length; i++) taps[i]! /= s;
  return taps;
}

/** Separable Gaussian blur of every channel (borders replicated); σ ≤ 0 returns a copy. */
export function gaussianBlur(img: ImageTensor, sigma: number): Float32Array {
  if (!Number.isFinite(sigma) || sigma < 0) throw new ConvlensError(ErrorCodes.BAD_USAGE, `blur sigma must be ≥ 0, got ${sigma}`);
  const { H, W, C, cStride, pStride } = img;
  const out = new Float32Array(img.data.length);
  if (sigma === 0) { out.set(img.data); return out; }
  const taps = gaussianTaps(sigma);
  const r = (taps.length - 1) / 2;
  const tmp = new Float64Array(H * W);
  const line = new Float64Array(Math.max(H, W));
  for (let c = 0; c < C; c++) {
    const base = c * cStride;
    for (let y = 0; y < H; y++) {
      for (let x = 0; x < W; x++) line[x] = img.data[base + (y * W + x) * pStride]!;
      for (let x = 0; x < W; x++) {
        let s = 0;
        for (let k = -r; k <= r; k++) {
          const xx = x + k < 0 ? 0 : x + k >= W ? W - 1 : x + k;
          s += taps[k + r]! * line[xx]!;
        }
        tmp[y * W + x] = s;
      }
    }
    for (let x = 0; x < W; x++) {
      for (let y = 0; y < H; y++) line[y] = tmp[y * W + x]!;
      for (let y = 0; y < H; y++) {
        let s = 0;
        for (let k = -r; k <= r; k++) {
          const yy = y + k < 0 ? 0 : y + k >= H ? H - 1 : y + k;
          s += taps[k + r]! * line[yy]!;
        }
        out[base + (y * W + x) * pStride] = s;
      }
    }
  }
  return out;
}
