/**
 * Resize (opsets 10, 11, 13, 18, 19) and Upsample (7, 9) of the float64 reference evaluator, on any
 * axes (N-D): modes nearest (round_prefer_floor, round_prefer_ceil, floor, ceil), linear and cubic
 * (cubic_coeff_a, exclude_outside); coordinate transforms half_pixel, half_pixel_symmetric,
 * pytorch_half_pixel, align_corners, asymmetric, tf_half_pixel_for_nn and tf_crop_and_resize (roi,
 * extrapolation_value); scales or sizes, axes and keep_aspect_ratio_policy (18+).
 *
 * Conventions where the spec leaves room, chosen to match ONNX Runtime: with `scales` the given scale
 * (not output/input) enters the coordinate transform; align_corners and pytorch_half_pixel use the
 * integer output length; nearest-mode coordinates are computed in float32 arithmetic so ties resolve
 * as in ORT (linear/cubic weights stay exact float64); Upsample and Resize-10 are asymmetric, and
 * their nearest mode rounds down when upsampling and up when downsampling (ORT's "simple" mode). antialias=1 when downsampling with
 * linear/cubic is not implemented (throws).
 */
import { kindOf, normAxis, sizeOf, stridesOf, toNumbers } from './common.ts';
import type { OpContext, OpImpl, RefTensor } from './common.ts';

/** Interpolation taps of one output coordinate along one axis; `outside` = use the extrapolation value. */
interface Taps {
  idx: number[];
  w: number[];
  outside: boolean;
}

interface AxisPlan {
  inLen: number;
  outLen: number;
  scale: number;
  roiStart: number;
  roiEnd: number;
}

export interface ResizeSettings {
  mode: 'nearest' | 'linear' | 'cubic';
  coordMode: string;
  nearestMode: string; // 'simple' = legacy Upsample / Resize-10 behaviour
  cubicA: number;
  excludeOutside: boolean;
  extrapolation: number;
}

/**
 * x_original for output coordinate `xr`. `r` rounds each step: identity for linear/cubic (exact
 * float64 weights), Math.fround for nearest, so the chosen pixel at exact ties (e.g. 1.5 / 0.6f)
 * matches ONNX Runtime, which computes coordinates in float32.
 */
function originalCoord(ctx: OpContext, s: ResizeSettings, p: AxisPlan, xr: number): number {
  const r = s.mode === 'nearest' ? Math.fround : (v: number) => v;
  const { inLen, outLen, roiStart, roiEnd } = p;
  const scale = r(p.scale);
  switch (s.coordMode) {
    case 'half_pixel':
      return r(r(r(xr + 0.5) / scale) - 0.5);
    case 'half_pixel_symmetric': {
      const adjustment = r(outLen / r(scale * inLen));
      const offset = r(r(inLen / 2) * r(1 - adjustment));
      return r(r(offset + r(r(xr + 0.5) / scale)) - 0.5);
    }
    case 'pytorch_half_pixel':
      return outLen > 1 ? r(r(r(xr + 0.5) / scale) - 0.5) : 0;
    case 'align_corners':
      return outLen === 1 ? 0 : r(r(xr * (inLen - 1)) / (outLen - 1));
    case 'asymmetric':
      return r(xr / scale);
    case 'tf_half_pixel_for_nn':
      return r(r(xr + 0.5) / scale);
    case 'tf_crop_and_resize':
      return outLen > 1
        ? r(r(roiStart * (inLen - 1)) + r(r(xr * r(roiEnd - roiStart) * (inLen - 1)) / (outLen - 1)))
        : r(0.5 * r(roiStart + roiEnd) * (inLen - 1));
    default:
      return ctx.fail(`unknown coordinate_transformation_mode '${s.coordMode}'`);
  }
}

function nearestIndex(ctx: OpContext, mode: string, x: number, scale: number): number {
  const fl = Math.floor(x);
  switch (mode) {
    case 'round_prefer_floor':
      return x === fl + 0.5 ? fl : Math.round(x);
    case 'round_prefer_ceil':
      return x === fl + 0.5 ? fl + 1 : Math.round(x);
    case 'floor':
      return fl;
    case 'ceil':
      return Math.ceil(x);
    case 'simple':
      return scale < 1 ? Math.ceil(x) : fl;
    default:
      return ctx.fail(`unknown nearest_mode '${mode}'`);
  }
}

function cubicKernel(s: number, A: number): number {
  const a = Math.abs(s);
  if (a <= 1) return ((A + 2) * a - (A + 3)) * a * a + 1;
  if (a < 2) return ((A * a - 5 * A) * a + 8 * A) * a - 4 * A;
  return 0;
}

/** The taps of every output coordinate along one axis. */
export function axisTaps(ctx: OpContext, s: ResizeSettings, p: AxisPlan): Taps[] {
  const taps: Taps[] = [];
  const last = p.inLen - 1;
  const clampIdx = (i: number): number => Math.min(Math.max(i, 0), last);
  for (let o = 0; o < p.outLen; o++) {
    let x = originalCoord(ctx, s, p, o);
    if (s.coordMode === 'tf_crop_and_resize' && (x < 0 || x > last)) {
      taps.push({ idx: [], w: [], outside: true });
      continue;
    }
    if (s.mode === 'nearest') {
      taps.push({ idx: [clampIdx(nearestIndex(ctx, s.nearestMode, x, p.scale))], w: [1], outside: false });
    } else if (s.mode === 'linear') {
      x = Math.min(Math.max(x, 0), last);
      const i0 = Math.floor(x);
      const i1 = Math.min(i0 + 1, last);
      const r = x - i0;
      taps.push({ idx: [i0, i1], w: [1 - r, r], outside: false });
    } else {
      const i0 = Math.floor(x);
      const r = x - i0;
      const idx: number[] = [];
      const w: number[] = [];
      for (let k = -1; k <= 2; k++) {
        const i = i0 + k;
        let c = cubicKernel(k - r, s.cubicA);
        if (s.excludeOutside && (i < 0 || i > last)) c = 0;
        idx.push(clampIdx(i));
        w.push(c);
      }
      if (s.excludeOutside) {
        const sum = w.reduce((a, b) => a + b, 0);
        for (let k = 0; k < w.length; k++) w[k]! /= sum;
      }
      taps.push({ idx, w, outside: false });
    }
  }
  return taps;
}

/**
 * Applies per-axis taps as a tensor product (multilinear / bicubic …), one axis at a time (the sum
 * over taps factorises); zero weights are skipped so an Inf/NaN neighbour with weight 0 cannot leak.
 * Outputs with any axis coordinate outside the roi (tf_crop_and_resize) are set to `extrapolation`.
 */
function interpolate(x: RefTensor, outDims: number[], taps: Taps[][], extrapolation: number): RefTensor {
  let cur = x.data as Float64Array;
  const dims = [...x.dims];
  for (let a = 0; a < dims.length; a++) {
    const t = taps[a]!;
    const inLen = dims[a]!;
    const outLen = outDims[a]!;
    const identity = inLen === outLen && t.every((tp, o) => !tp.outside && tp.w.every((w, k) => w === 0 || (w === 1 && tp.idx[k] === o)));
    if (identity) continue;
    const outer = sizeOf(dims.slice(0, a));
    const inner = sizeOf(dims.slice(a + 1));
    const next = new Float64Array(outer * outLen * inner);
    for (let o = 0; o < outer; o++) {
      for (let p = 0; p < outLen; p++) {
        const tp = t[p]!;
        const dst = (o * outLen + p) * inner;
        if (tp.outside) continue; // overwritten below
        for (let k = 0; k < tp.idx.length; k++) {
          const w = tp.w[k]!;
          if (w === 0) continue;
          const src = (o * inLen + tp.idx[k]!) * inner;
          for (let i = 0; i < inner; i++) next[dst + i]! += w * cur[src + i]!;
        }
      }
    }
    cur = next;
    dims[a] = outLen;
  }
  if (cur === x.data) cur = cur.slice();
  if (taps.some((t) => t.some((tp) => tp.outside))) {
    const str = stridesOf(outDims);
    for (let i = 0; i < cur.length; i++) {
      let rem = i;
      for (let a = 0; a < outDims.length; a++) {
        const c = Math.floor(rem / str[a]!);
        rem -= c * str[a]!;
        if (taps[a]![c]!.outside) {
          cur[i] = extrapolation;
          break;
        }
      }
    }
  }
  return { dims: outDims, data: cur };
}

function runResize(ctx: OpContext, x: RefTensor, plans: AxisPlan[], s: ResizeSettings): RefTensor {
  if (kindOf(x) !== 'float') return ctx.fail('expects a float input');
  const taps = plans.map((p) => axisTaps(ctx, s, p));
  return interpolate(x, plans.map((p) => p.outLen), taps, s.extrapolation);
}

function modeOf(ctx: OpContext): ResizeSettings['mode'] {
  const mode = ctx.attrs.string('mode', 'nearest');
  if (mode === 'nearest' || mode === 'linear' || mode === 'cubic') return mode;
  if (mode === 'bilinear') return 'linear';
  return ctx.fail(`unknown mode '${mode}'`);
}

const resize: OpImpl = (ctx) => {
  const x = ctx.input(0);
  const rank = x.dims.length;
  const mode = modeOf(ctx);
  const legacy = ctx.opset < 11;
  const settings: ResizeSettings = {
    mode,
    coordMode: legacy ? 'asymmetric' : ctx.attrs.string('coordinate_transformation_mode', 'half_pixel'),
    nearestMode: legacy ? 'simple' : ctx.attrs.string('nearest_mode', 'round_prefer_floor'),
    cubicA: ctx.attrs.float('cubic_coeff_a', -0.75),
    excludeOutside: ctx.attrs.int('exclude_outside', 0) !== 0,
    extrapolation: ctx.attrs.float('extrapolation_value', 0),
  };
  const axes = ctx.opset >= 18 && ctx.attrs.has('axes')
    ? ctx.attrs.ints('axes', []).map((a) => normAxis(a, rank, ctx))
    : Array.from({ length: rank }, (_, i) => i);
  const roiT = legacy ? undefined : ctx.inputs[1];
  const scalesT = legacy ? ctx.inputs[1] : ctx.inputs[2];
  const sizesT = legacy ? undefined : ctx.inputs[3];
  const roi = roiT && roiT.data.length > 0 ? toNumbers(roiT) : undefined;
  const plans: AxisPlan[] = x.dims.map((d) => ({ inLen: d, outLen: d, scale: 1, roiStart: 0, roiEnd: 1 }));
  if (roi) {
    if (roi.length !== 2 * axes.length) return ctx.fail(`roi has ${roi.length} values for ${axes.length} axes`);
    axes.forEach((a, i) => {
      plans[a]!.roiStart = roi[i]!;
      plans[a]!.roiEnd = roi[axes.length + i]!;
    });
  }
  const crop = settings.coordMode === 'tf_crop_and_resize';
  if (scalesT && scalesT.data.length > 0) {
    const scales = toNumbers(scalesT);
    if (scales.length !== axes.length) return ctx.fail(`scales has ${scales.length} values for ${axes.length} axes`);
    axes.forEach((a, i) => {
      const p = plans[a]!;
      p.scale = scales[i]!;
      if (p.scale <= 0) ctx.fail(`scale ${p.scale} must be positive`);
      p.outLen = Math.floor(p.inLen * (crop ? p.roiEnd - p.roiStart : 1) * p.scale);
    });
  } else if (sizesT && sizesT.data.length > 0) {
    const sizes = toNumbers(sizesT);
    if (sizes.length !== axes.length) return ctx.fail(`sizes has ${sizes.length} values for ${axes.length} axes`);
    const policy = ctx.opset >= 18 ? ctx.attrs.string('keep_aspect_ratio_policy', 'stretch') : 'stretch';
    if (policy === 'stretch') {
      axes.forEach((a, i) => {
        const p = plans[a]!;
        p.outLen = sizes[i]!;
        p.scale = p.outLen / (p.inLen * (crop ? p.roiEnd - p.roiStart : 1));
      });
    } else if (policy === 'not_larger' || policy === 'not_smaller') {
      const ratios = axes.map((a, i) => sizes[i]! / x.dims[a]!);
      const scale = policy === 'not_larger' ? Math.min(...ratios) : Math.max(...ratios);
      for (const a of axes) {
        const p = plans[a]!;
        p.scale = scale;
        p.outLen = Math.round(scale * p.inLen); // half away from zero for positive values
      }
    } else {
      return ctx.fail(`unknown keep_aspect_ratio_policy '${policy}'`);
    }
  } else {
    return ctx.fail('needs scales or sizes');
  }
  if (ctx.attrs.int('antialias', 0) !== 0 && mode !== 'nearest' && plans.some((p) => p.scale < 1)) {
    return ctx.fail('antialias=1 with downsampling is not implemented in the reference evaluator');
  }
  return [runResize(ctx, x, plans, settings)];
};

const upsample: OpImpl = (ctx) => {
  const x = ctx.input(0);
  const scales = ctx.opset >= 9 ? toNumbers(ctx.input(1)) : ctx.attrs.floats('scales') ?? ctx.fail('needs scales');
  if (scales.length !== x.dims.length) return ctx.fail(`scales has ${scales.length} values for rank ${x.dims.length}`);
  const settings: ResizeSettings = {
    mode: modeOf(ctx), coordMode: 'asymmetric', nearestMode: 'simple', cubicA: -0.75, excludeOutside: false, extrapolation: 0,
  };
  if (settings.mode === 'cubic') return ctx.fail("mode 'cubic' is not an Upsample mode");
  const plans = x.dims.map((d, i) => ({ inLen: d, outLen: Math.floor(d * scales[i]!), scale: scales[i]!, roiStart: 0, roiEnd: 1 }));
  return [runResize(ctx, x, plans, settings)];
};

export const ops: Record<string, OpImpl> = { Resize: resize, Upsample: upsample };
