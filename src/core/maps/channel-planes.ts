/**
 * Splits an activation or weight tensor into 2-D planes (one per channel) whatever its rank or
 * layout, so feature maps and filters share one rendering path:
 * - (N, C, H, W)        → C planes of H×W for the chosen batch item
 * - (N, H, W, C) (NHWC) → the same, transposed
 * - (N, C, D, H, W)     → C planes: the mid-depth slice (or a chosen slice) of each channel
 * - (N, C, L)           → C planes of 1×L
 * - (N, C)              → C planes of 1×1 (a vector layer shows as a strip of values)
 */
import { ConvlensError, ErrorCodes } from '../errors.ts';
import type { Tensor } from '../tensor.ts';

export interface Plane {
  /** Channel index in the tensor. */
  channel: number;
  height: number;
  width: number;
  /** Row-major values as float32. */
  values: Float32Array;
}

export interface PlaneOptions {
  /** Batch item to take (default 0). */
  batchIndex?: number;
  /** Memory layout of a 4-D tensor; default 'NCHW'. */
  layout?: 'NCHW' | 'NHWC';
  /** For 5-D tensors, the depth slice to show; default the middle slice. */
  depthSlice?: number;
}

/**
 * The layout of a 4-D activation of a model whose input is `inputLayout`: NHWC only when the model takes
 * NHWC input and the tensor looks channels-last (`[N, S, S, C]` with more channels than its side) — a
 * channels-last export usually keeps that layout, but a model may transpose to NCHW inside.
 */
export function activationLayout(dims: readonly number[], inputLayout: string): 'NCHW' | 'NHWC' {
  return dims.length === 4 && inputLayout === 'NHWC' && dims[3]! > dims[1]! && dims[1]! === dims[2]! ? 'NHWC' : 'NCHW';
}

/** Planes of one batch item of an activation tensor. */
export function channelPlanes(t: Tensor, opts: PlaneOptions = {}): Plane[] {
  const dims = t.dims;
  const data = t.data as ArrayLike<number>;
  if (typeof (t.data as { [0]?: unknown })[0] === 'bigint') {
    throw new ConvlensError(ErrorCodes.BAD_USAGE, `cannot render an integer (${t.dtype}) tensor as feature maps`);
  }
  const b = opts.batchIndex ?? 0;
  if (dims.length < 2) throw new ConvlensError(ErrorCodes.BAD_USAGE, `a ${dims.length}-D tensor has no channels to show (shape [${dims.join(', ')}])`);
  if (b < 0 || b >= dims[0]!) throw new ConvlensError(ErrorCodes.BAD_USAGE, `batch index ${b} is out of range for shape [${dims.join(', ')}]`);
  const planes: Plane[] = [];
  if (dims.length === 4 && opts.layout === 'NHWC') {
    const [, H, W, C] = dims as [number, number, number, number];
    const base = b * H * W * C;
    for (let c = 0; c < C; c++) {
      const v = new Float32Array(H * W);
      for (let i = 0; i < H * W; i++) v[i] = Number(data[base + i * C + c]);
      planes.push({ channel: c, height: H, width: W, values: v });
    }
    return planes;
  }
  const C = dims[1]!;
  let height: number;
  let width: number;
  let offsetInChannel = 0;
  let channelStride: number;
  if (dims.length === 2) {
    height = 1; width = 1; channelStride = 1;
  } else if (dims.length === 3) {
    height = 1; width = dims[2]!; channelStride = width;
  } else if (dims.length === 4) {
    height = dims[2]!; width = dims[3]!; channelStride = height * width;
  } else if (dims.length === 5) {
    const D = dims[2]!;
    height = dims[3]!; width = dims[4]!;
    const slice = opts.depthSlice ?? Math.floor(D / 2);
    if (slice < 0 || slice >= D) throw new ConvlensError(ErrorCodes.BAD_USAGE, `depth slice ${slice} is out of range 0..${D - 1}`);
    channelStride = D * height * width;
    offsetInChannel = slice * height * width;
  } else {
    throw new ConvlensError(ErrorCodes.BAD_USAGE, `cannot lay out a ${dims.length}-D tensor as channel planes (shape [${dims.join(', ')}])`);
  }
  const batchStride = C * channelStride;
  for (let c = 0; c < C; c++) {
    const start = b * batchStride + c * channelStride + offsetInChannel;
    const v = new Float32Array(height * width);
    for (let i = 0; i < v.length; i++) v[i] = Number(data[start + i]);
    planes.push({ channel: c, height, width, values: v });
  }
  return planes;
}

export interface ChannelStats {
  channel: number;
  min: number;
  max: number;
  mean: number;
  /** Fraction of exact zeros (dead ReLU outputs). */
  zeroFraction: number;
  /** Count of NaN / ±Inf values (excluded from min/max/mean). */
  nonFinite: number;
}

/** Per-channel statistics of planes (finite values only). */
export function planeStats(p: Plane): ChannelStats {
  let min = Infinity, max = -Infinity, sum = 0, zeros = 0, finite = 0, nonFinite = 0;
  for (const v of p.values) {
    if (!Number.isFinite(v)) { nonFinite++; continue; }
    finite++;
    if (v < min) min = v;
    if (v > max) max = v;
    sum += v;
    if (v === 0) zeros++;
  }
  return {
    channel: p.channel,
    min: finite ? min : NaN,
    max: finite ? max : NaN,
    mean: finite ? sum / finite : NaN,
    zeroFraction: p.values.length ? zeros / p.values.length : 0,
    nonFinite,
  };
}
