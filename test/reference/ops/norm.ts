/**
 * Normalisation ops of the float64 reference evaluator: BatchNormalization (inference form),
 * InstanceNormalization, LayerNormalization (axis, epsilon, optional Mean / InvStdDev outputs),
 * LRN (cross-channel) and LpNormalization.
 */
import { broadcastIndex, broadcastShapes, kindOf, normAxis, sizeOf } from './common.ts';
import type { OpContext, OpImpl, RefTensor } from './common.ts';

function floats(ctx: OpContext, ...ts: (RefTensor | undefined)[]): void {
  for (const t of ts) if (t && kindOf(t) !== 'float') ctx.fail('expects float inputs');
}

/** Per-channel parameter check: a 1-D tensor of C values. */
function perChannel(ctx: OpContext, t: RefTensor, C: number, what: string): Float64Array {
  if (t.data.length !== C) ctx.fail(`${what} has ${t.data.length} values for ${C} channels`);
  return t.data as Float64Array;
}

const batchNorm: OpImpl = (ctx) => {
  const [x, scale, bias, mean, variance] = [0, 1, 2, 3, 4].map((i) => ctx.input(i)) as [RefTensor, RefTensor, RefTensor, RefTensor, RefTensor];
  floats(ctx, x, scale, bias, mean, variance);
  if (ctx.attrs.int('training_mode', 0) !== 0) return ctx.fail('training_mode=1 is not supported (inference only)');
  if (ctx.opset < 9 && ctx.attrs.int('spatial', 1) !== 1) return ctx.fail('spatial=0 is not supported');
  const eps = ctx.attrs.float('epsilon', 1e-5);
  const [N, C] = [x.dims[0]!, x.dims[1] ?? 1];
  const inner = sizeOf(x.dims.slice(2));
  const s = perChannel(ctx, scale, C, 'scale');
  const b = perChannel(ctx, bias, C, 'B');
  const m = perChannel(ctx, mean, C, 'mean');
  const v = perChannel(ctx, variance, C, 'var');
  const xd = x.data as Float64Array;
  const out = new Float64Array(xd.length);
  for (let n = 0; n < N; n++) {
    for (let c = 0; c < C; c++) {
      const k = s[c]! / Math.sqrt(v[c]! + eps);
      const base = (n * C + c) * inner;
      for (let i = 0; i < inner; i++) out[base + i] = (xd[base + i]! - m[c]!) * k + b[c]!;
    }
  }
  return [{ dims: [...x.dims], data: out }];
};

const instanceNorm: OpImpl = (ctx) => {
  const x = ctx.input(0);
  const scale = ctx.input(1);
  const bias = ctx.input(2);
  floats(ctx, x, scale, bias);
  const eps = ctx.attrs.float('epsilon', 1e-5);
  const [N, C] = [x.dims[0]!, x.dims[1]!];
  const inner = sizeOf(x.dims.slice(2));
  const s = perChannel(ctx, scale, C, 'scale');
  const b = perChannel(ctx, bias, C, 'B');
  const xd = x.data as Float64Array;
  const out = new Float64Array(xd.length);
  for (let nc = 0; nc < N * C; nc++) {
    const c = nc % C;
    const base = nc * inner;
    let mean = 0;
    for (let i = 0; i < inner; i++) mean += xd[base + i]!;
    mean /= inner;
    let vr = 0;
    for (let i = 0; i < inner; i++) vr += (xd[base + i]! - mean) ** 2;
    vr /= inner;
    const k = s[c]! / Math.sqrt(vr + eps);
    for (let i = 0; i < inner; i++) out[base + i] = (xd[base + i]! - mean) * k + b[c]!;
  }
  return [{ dims: [...x.dims], data: out }];
};

/** LayerNormalization (opset 17): normalises over dims [axis, rank); Scale and B broadcast to those dims. */
const layerNorm: OpImpl = (ctx) => {
  const x = ctx.input(0);
  const scale = ctx.input(1);
  const bias = ctx.inputs[2];
  floats(ctx, x, scale, bias);
  const rank = x.dims.length;
  const axis = normAxis(ctx.attrs.int('axis', -1), rank, ctx);
  const eps = ctx.attrs.float('epsilon', 1e-5);
  const normDims = x.dims.slice(axis);
  const outer = sizeOf(x.dims.slice(0, axis));
  const inner = sizeOf(normDims);
  const bcast = (t: RefTensor, what: string): Float64Array => {
    const b = broadcastShapes([t.dims, normDims]);
    if (!b || b.length !== normDims.length || b.some((d, i) => d !== normDims[i])) ctx.fail(`${what} of shape [${t.dims}] does not broadcast to [${normDims}]`);
    const map = broadcastIndex(t.dims, normDims);
    const src = t.data as Float64Array;
    return Float64Array.from(map, (j) => src[j]!);
  };
  const s = bcast(scale, 'Scale');
  const b = bias ? bcast(bias, 'B') : undefined;
  const xd = x.data as Float64Array;
  const out = new Float64Array(xd.length);
  const means = new Float64Array(outer);
  const invStd = new Float64Array(outer);
  for (let o = 0; o < outer; o++) {
    const base = o * inner;
    let mean = 0;
    for (let i = 0; i < inner; i++) mean += xd[base + i]!;
    mean /= inner;
    let vr = 0;
    for (let i = 0; i < inner; i++) vr += (xd[base + i]! - mean) ** 2;
    vr /= inner;
    const inv = 1 / Math.sqrt(vr + eps);
    means[o] = mean;
    invStd[o] = inv;
    for (let i = 0; i < inner; i++) out[base + i] = (xd[base + i]! - mean) * inv * s[i]! + (b ? b[i]! : 0);
  }
  const statDims = [...x.dims.slice(0, axis), ...normDims.map(() => 1)];
  return [{ dims: [...x.dims], data: out }, { dims: statDims, data: means }, { dims: [...statDims], data: invStd }];
};

/** LRN across channels: y = x / (bias + alpha/size · Σ x²)^beta over channels [c − ⌊(size−1)/2⌋, c + ⌈(size−1)/2⌉]. */
const lrn: OpImpl = (ctx) => {
  const x = ctx.input(0);
  floats(ctx, x);
  const size = ctx.attrs.int('size');
  if (size === undefined) return ctx.fail('needs a size attribute');
  const alpha = ctx.attrs.float('alpha', 1e-4);
  const beta = ctx.attrs.float('beta', 0.75);
  const bias = ctx.attrs.float('bias', 1);
  const [N, C] = [x.dims[0]!, x.dims[1]!];
  const inner = sizeOf(x.dims.slice(2));
  const lo = Math.floor((size - 1) / 2);
  const hi = Math.ceil((size - 1) / 2);
  const xd = x.data as Float64Array;
  const out = new Float64Array(xd.length);
  for (let n = 0; n < N; n++) {
    for (let c = 0; c < C; c++) {
      for (let i = 0; i < inner; i++) {
        let sq = 0;
        for (let cc = Math.max(0, c - lo); cc <= Math.min(C - 1, c + hi); cc++) sq += xd[(n * C + cc) * inner + i]! ** 2;
        const idx = (n * C + c) * inner + i;
        out[idx] = xd[idx]! / Math.pow(bias + (alpha / size) * sq, beta);
      }
    }
  }
  return [{ dims: [...x.dims], data: out }];
};

const lpNorm: OpImpl = (ctx) => {
  const x = ctx.input(0);
  floats(ctx, x);
  const axis = normAxis(ctx.attrs.int('axis', -1), x.dims.length, ctx);
  const p = ctx.attrs.int('p', 2);
  if (p !== 1 && p !== 2) return ctx.fail(`p must be 1 or 2 (got ${p})`);
  const D = x.dims[axis]!;
  const inner = sizeOf(x.dims.slice(axis + 1));
  const outer = sizeOf(x.dims.slice(0, axis));
  const xd = x.data as Float64Array;
  const out = new Float64Array(xd.length);
  for (let o = 0; o < outer; o++) {
    for (let i = 0; i < inner; i++) {
      let s = 0;
      for (let d = 0; d < D; d++) {
        const v = xd[(o * D + d) * inner + i]!;
        s += p === 1 ? Math.abs(v) : v * v;
      }
      const norm = p === 1 ? s : Math.sqrt(s);
      for (let d = 0; d < D; d++) {
        const idx = (o * D + d) * inner + i;
        out[idx] = norm === 0 ? 0 : xd[idx]! / norm;
      }
    }
  }
  return [{ dims: [...x.dims], data: out }];
};

export const ops: Record<string, OpImpl> = {
  BatchNormalization: batchNorm,
  InstanceNormalization: instanceNorm,
  LayerNormalization: layerNorm,
  LRN: lrn,
  LpNormalization: lpNorm,
};
