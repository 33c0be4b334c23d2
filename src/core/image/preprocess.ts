/**
 * Turning images into model input tensors and back: fit to the input size, convert to the channel count
 * the model wants, normalise (torchvision-style mean/std in [0, 1] units), lay out as NCHW or NHWC.
 * Also guesses the layout from an ONNX input shape, and inverts the whole thing ({@link deprocess}) so
 * model inputs and optimised images can be shown as pictures.
 */

import { ConvlensError, ErrorCodes } from '../errors.ts';
import type { Tensor } from '../tensor.ts';
import { assertRaster, toGray, toRgb } from './raster.ts';
import type { Raster, Rgb } from './raster.ts';
import { fitRaster } from './resize.ts';
import type { FitGeometry, ResizeMode } from './resize.ts';

export type Layout = 'NCHW' | 'NHWC';

/**
 * How pixel values are scaled. With `x` the 8-bit value divided by 255:
 * - `'imagenet'`: `(x - [0.485, 0.456, 0.406]) / [0.229, 0.224, 0.225]` (torchvision models); for 1-channel
 *   inputs the channel means 0.449 / 0.226 are used.
 * - `'unit'`: `x` in [0, 1].
 * - `'symmetric'`: `2x - 1` in [-1, 1] (mean 0.5, std 0.5; Inception/TF-slim style).
 * - `'none'`: the raw 0-255 values (Caffe-style models that subtract their own mean inside the graph).
 * - `{ mean, std }`: `(x - mean) / std`, per channel, in [0, 1] units like `torchvision.transforms.Normalize`;
 *   one value applies to every channel.
 */
export type NormalizeSpec = 'imagenet' | 'unit' | 'symmetric' | 'none' | { readonly mean: readonly number[]; readonly std: readonly number[] };

/** What a model input wants. */
export interface PreprocessSpec {
  /** Model input size as `[height, width]`, e.g. `[224, 224]`. */
  size: readonly [number, number];
  /** Tensor layout. Default `'NCHW'`. Use {@link inferInputLayout} to pick it from the model's input shape. */
  layout?: Layout;
  /**
   * Channels the model takes. 1: colour images are converted with ITU-R 601 luma; 3: gray images are
   * replicated. Default 3.
   */
  channels?: 1 | 3;
  /** How the image is fitted to `size` (see {@link ResizeMode}). Default `'stretch'`. */
  resize?: ResizeMode;
  /** Pixel scaling, see {@link NormalizeSpec}. */
  normalize: NormalizeSpec;
  /** Order of the colour channels in the tensor. `'BGR'` for OpenCV/Caffe-trained models. Default `'RGB'`. */
  channelOrder?: 'RGB' | 'BGR';
  /** `center-crop` only: kept fraction, e.g. 0.875 for Resize(256)+CenterCrop(224). Default 1. */
  cropFraction?: number;
  /** `letterbox` only: padding colour (0-255, before normalisation). Default 0. */
  fill?: number | readonly number[];
  /** Antialias when shrinking (torchvision / PIL behaviour). Default true. */
  antialias?: boolean;
  /** Colour transparent pixels are composited over. Default white. */
  background?: Rgb;
}

const IMAGENET_MEAN = [0.485, 0.456, 0.406];
const IMAGENET_STD = [0.229, 0.224, 0.225];

/** Resolves a {@link NormalizeSpec} to per-channel mean/std in [0, 1] units, in the tensor's channel order. */
export function resolveNormalize(spec: NormalizeSpec, channels: number, channelOrder: 'RGB' | 'BGR' = 'RGB'): { mean: number[]; std: number[] } {
  let mean: readonly number[], std: readonly number[];
  if (spec === 'imagenet') {
    if (channels === 1) { mean = [0.449]; std = [0.226]; } else if (channelOrder === 'BGR') { mean = [...IMAGENET_MEAN].reverse(); std = [...IMAGENET_STD].reverse(); } else { mean = IMAGENET_MEAN; std = IMAGENET_STD; }
  } else if (spec === 'unit') { mean = [0]; std = [1]; }
  else if (spec === 'symmetric') { mean = [0.5]; std = [0.5]; }
  else if (spec === 'none') { mean = [0]; std = [1 / 255]; }
  else if (typeof spec === 'object' && spec !== null && Array.isArray(spec.mean) && Array.isArray(spec.std)) { mean = spec.mean; std = spec.std; }
  else throw new ConvlensError(ErrorCodes.BAD_USAGE, `unknown normalisation ${JSON.stringify(spec)}`, { hint: "use 'imagenet', 'unit', 'symmetric', 'none' or { mean: [...], std: [...] }" });
  const expand = (v: readonly number[], name: string): number[] => {
    if (v.length !== 1 && v.length !== channels) {
      throw new ConvlensError(ErrorCodes.BAD_USAGE, `normalisation ${name} has ${v.length} values but the model input has ${channels} channel(s)`, { hint: `give 1 or ${channels} values` });
    }
    const out = Array.from({ length: channels }, (_, i) => (v.length === 1 ? v[0]! : v[i]!));
    if (out.some((x) => !Number.isFinite(x))) throw new ConvlensError(ErrorCodes.BAD_USAGE, `normalisation ${name} must be finite numbers, got [${v.join(', ')}]`);
    return out;
  };
  const m = expand(mean, 'mean'), s = expand(std, 'std');
  if (s.some((x) => x === 0)) throw new ConvlensError(ErrorCodes.BAD_USAGE, `normalisation std must be non-zero, got [${s.join(', ')}]`);
  if (typeof spec === 'object' && m.some((x) => Math.abs(x) > 1.5)) {
    // Someone passed 0-255 means (e.g. [123.68, 116.78, 103.94]); the spec is in [0, 1] units.
    throw new ConvlensError(ErrorCodes.BAD_USAGE, `normalisation mean [${m.join(', ')}] looks like 0-255 units`, { hint: 'give mean/std in [0, 1] units like torchvision (divide by 255)' });
  }
  return { mean: m, std: s };
}

/** The fitted model input before normalisation, with its geometry (for overlays drawn on what the model saw). */
export interface PreprocessResult {
  tensor: Tensor<'float32'>;
  /** The image as fed to the model (fitted, 1 or 3 channels, RGB order), for overlays. */
  input: Raster;
  geometry: FitGeometry;
}

function writeImage(out: Float32Array, offset: number, img: Raster, layout: Layout, bgr: boolean, mean: number[], std: number[]): void {
  const c = img.channels, hw = img.width * img.height;
  const a = std.map((s) => 1 / (255 * s));
  const b = mean.map((m, i) => -m / std[i]!);
  for (let ch = 0; ch < c; ch++) {
    const srcCh = bgr && c === 3 ? 2 - ch : ch;
    const ac = a[ch]!, bc = b[ch]!;
    for (let p = 0; p < hw; p++) {
      const v = img.data[p * c + srcCh]! * ac + bc;
      out[offset + (layout === 'NCHW' ? ch * hw + p : p * c + ch)] = v;
    }
  }
}

function checkSpec(spec: PreprocessSpec): { layout: Layout; channels: 1 | 3 } {
  const layout = spec.layout ?? 'NCHW';
  const channels = spec.channels ?? 3;
  if (layout !== 'NCHW' && layout !== 'NHWC') throw new ConvlensError(ErrorCodes.BAD_USAGE, `unknown layout '${String(layout)}'`, { hint: "use 'NCHW' or 'NHWC'" });
  if (channels !== 1 && channels !== 3) {
    throw new ConvlensError(ErrorCodes.INPUT_SHAPE, `model input wants ${String(channels)} channels; images can only be fed as 1 (gray) or 3 (RGB)`);
  }
  return { layout, channels };
}

/** Like {@link preprocess} but also returns the fitted input raster and its geometry. */
export function preprocessDetailed(raster: Raster, spec: PreprocessSpec): PreprocessResult {
  assertRaster(raster);
  const { layout, channels } = checkSpec(spec);
  const bgr = spec.channelOrder === 'BGR';
  const { mean, std } = resolveNormalize(spec.normalize, channels, spec.channelOrder);
  const converted = channels === 1 ? toGray(raster, spec.background) : toRgb(raster, spec.background);
  const { raster: input, geometry } = fitRaster(converted, spec.size, {
    mode: spec.resize ?? 'stretch', cropFraction: spec.cropFraction, fill: spec.fill, antialias: spec.antialias,
  });
  const [H, W] = spec.size;
  const data = new Float32Array(channels * H * W);
  writeImage(data, 0, input, layout, bgr, mean, std);
  const dims = layout === 'NCHW' ? [1, channels, H, W] : [1, H, W, channels];
  return { tensor: { dtype: 'float32', dims, data }, input, geometry };
}

/**
 * Converts an image to a float32 model input tensor of shape `[1, C, H, W]` (NCHW) or `[1, H, W, C]` (NHWC).
 *
 * @example
 * const x = preprocess(img, { size: [224, 224], resize: 'center-crop', cropFraction: 0.875, normalize: 'imagenet' });
 */
export function preprocess(raster: Raster, spec: PreprocessSpec): Tensor<'float32'> {
  return preprocessDetailed(raster, spec).tensor;
}

/** Preprocesses several images into one batch tensor `[N, ...]`. */
export function preprocessBatch(rasters: readonly Raster[], spec: PreprocessSpec): Tensor<'float32'> {
  if (rasters.length === 0) throw new ConvlensError(ErrorCodes.BAD_USAGE, 'preprocessBatch: no images');
  const parts = rasters.map((r) => preprocess(r, spec));
  const per = parts[0]!.data.length;
  const data = new Float32Array(per * parts.length);
  parts.forEach((p, i) => data.set(p.data, i * per));
  return { dtype: 'float32', dims: [parts.length, ...parts[0]!.dims.slice(1)], data };
}

/** A symbolic or unknown dimension is anything that is not a positive integer (-1, 0, null, 'batch'...). */
export type InputDim = number | string | null | undefined;

/** What {@link inferInputLayout} concluded about an image input. */
export interface InputLayout {
  layout: Layout;
  /** Channel count if the shape fixes it. */
  channels: number | null;
  height: number | null;
  width: number | null;
  /** Whether the shape has a leading batch dimension (rank 4) or not (rank 3). */
  hasBatch: boolean;
  /** False when no dimension was 1 or 3 where a channel axis could be, and NCHW was assumed. */
  certain: boolean;
}

function known(d: InputDim): number | null {
  return typeof d === 'number' && Number.isInteger(d) && d > 0 ? d : null;
}

/**
 * Decides NCHW vs NHWC from a model input shape: the channel axis is the one (right after the batch axis,
 * or last) whose size is 1 or 3; when both qualify (e.g. `[1, 3, 3, 3]`) or neither is known, NCHW.
 *
 * @example
 * inferInputLayout([1, 3, 224, 224]).layout     // 'NCHW'
 * inferInputLayout(['N', 224, 224, 3]).layout   // 'NHWC'
 * inferInputLayout([-1, 1, 28, 28]).channels    // 1
 */
export function inferInputLayout(dims: readonly InputDim[]): InputLayout {
  if (dims.length !== 3 && dims.length !== 4) {
    throw new ConvlensError(ErrorCodes.INPUT_SHAPE, `input shape [${dims.map(String).join(', ')}] is not an image input (expected rank 4 like [1, 3, H, W] or [1, H, W, 3])`, {
      hint: 'pass --input-shape explicitly, or pick an input that takes images',
    });
  }
  const o = dims.length === 4 ? 1 : 0;
  const first = known(dims[o]), last = known(dims[dims.length - 1]);
  const isCh = (d: number | null): boolean => d === 1 || d === 3;
  const nchw = (certain: boolean): InputLayout => ({ layout: 'NCHW', channels: first, height: known(dims[o + 1]), width: known(dims[o + 2]), hasBatch: o === 1, certain });
  if (isCh(first)) return nchw(true);
  if (isCh(last)) return { layout: 'NHWC', channels: last, height: known(dims[o]), width: known(dims[o + 1]), hasBatch: o === 1, certain: true };
  return nchw(false);
}

/** Options for {@link deprocess}. */
export interface DeprocessSpec {
  /** The normalisation the tensor was made with; it is undone. */
  normalize: NormalizeSpec;
  /** Default: {@link inferInputLayout} on the tensor's shape. */
  layout?: Layout;
  /** Default `'RGB'`. */
  channelOrder?: 'RGB' | 'BGR';
  /** Which image of a batch. Default 0. */
  batchIndex?: number;
}

/**
 * Turns a model input tensor (`[N, C, H, W]`, `[N, H, W, C]` or without N; C = 1 or 3) back into an
 * 8-bit image, undoing the normalisation and clamping to 0-255. Non-finite values become 0 and are
 * counted in `nonFinite`.
 */
export function deprocess(t: Tensor, spec: DeprocessSpec): Raster & { nonFinite: number } {
  if (t.dtype === 'int64' || t.dtype === 'uint64' || t.dtype === 'float16' || t.dtype === 'bool') {
    throw new ConvlensError(ErrorCodes.BAD_USAGE, `deprocess: ${t.dtype} tensors are not supported (convert to float32)`);
  }
  const guess = inferInputLayout(t.dims);
  const layout = spec.layout ?? guess.layout;
  const rank = t.dims.length;
  const o = rank === 4 ? 1 : 0;
  const [c, h, w] = layout === 'NCHW' ? [t.dims[o]!, t.dims[o + 1]!, t.dims[o + 2]!] : [t.dims[o + 2]!, t.dims[o]!, t.dims[o + 1]!];
  if (c !== 1 && c !== 3) throw new ConvlensError(ErrorCodes.INPUT_SHAPE, `deprocess: tensor [${t.dims.join(', ')}] has ${c} channels in ${layout}; only 1 or 3 can be shown as an image`);
  const n = rank === 4 ? t.dims[0]! : 1;
  const bi = spec.batchIndex ?? 0;
  if (!Number.isInteger(bi) || bi < 0 || bi >= n) throw new ConvlensError(ErrorCodes.BAD_USAGE, `deprocess: batch index ${bi} out of range (batch size ${n})`);
  const { mean, std } = resolveNormalize(spec.normalize, c, spec.channelOrder);
  const src = t.data as ArrayLike<number>;
  const hw = h * w, base = bi * c * hw;
  const out = new Uint8Array(hw * c);
  let nonFinite = 0;
  const bgr = spec.channelOrder === 'BGR' && c === 3;
  for (let ch = 0; ch < c; ch++) {
    const dstCh = bgr ? 2 - ch : ch;
    for (let p = 0; p < hw; p++) {
      const v = src[base + (layout === 'NCHW' ? ch * hw + p : p * c + ch)]!;
      if (!Number.isFinite(v)) { nonFinite++; continue; }
      const x = Math.round((v * std[ch]! + mean[ch]!) * 255);
      out[p * c + dstCh] = x < 0 ? 0 : x > 255 ? 255 : x;
    }
  }
  return { width: w, height: h, channels: c, data: out, nonFinite };
}
