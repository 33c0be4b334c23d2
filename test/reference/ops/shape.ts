/**
 * Data-movement and shape ops of the float64 reference evaluator (any element type): Identity,
 * Dropout (inference), Flatten, Reshape (0 / −1 / allowzero; shape attribute in opset 1), Transpose,
 * Squeeze / Unsqueeze (axes attribute ≤ 12, input 13+), Concat, Split (split attribute ≤ 12, input 13+,
 * num_outputs 18+), Slice (attributes ≤ 9, inputs 10+: steps, negatives, clamping, INT64_MAX), Expand,
 * Tile, Shape (start/end), Size, DepthToSpace (DCR/CRD) and SpaceToDepth.
 */
import {
  axesFrom, boolTensor, broadcastIndex, broadcastShapes, gatherFlat, intTensor, normAxis, sizeOf, stridesOf,
  toNumbers, transposeData,
} from './common.ts';
import type { OpContext, OpImpl, RefTensor } from './common.ts';

const identity: OpImpl = (ctx) => {
  const x = ctx.input(0);
  return [{ dims: [...x.dims], data: x.data.slice() }];
};

const dropout: OpImpl = (ctx) => {
  const x = ctx.input(0);
  if (ctx.opset >= 12) {
    const training = ctx.inputs[2];
    if (training && training.data[0]) return ctx.fail('training_mode=true is random; the reference evaluator only runs inference');
  } else if (ctx.opset <= 6 && ctx.attrs.int('is_test', 0) === 0 && ctx.attrs.has('is_test')) {
    return ctx.fail('is_test=0 (training) is not supported');
  }
  const outs: (RefTensor | undefined)[] = [{ dims: [...x.dims], data: x.data.slice() }];
  if (ctx.wantsOutput(1)) outs.push(boolTensor(x.dims, new Uint8Array(x.data.length).fill(1)));
  return outs;
};

const flatten: OpImpl = (ctx) => {
  const x = ctx.input(0);
  const rank = x.dims.length;
  let axis = ctx.attrs.int('axis', 1);
  if (axis < 0) axis += rank;
  if (axis < 0 || axis > rank) return ctx.fail(`axis ${ctx.attrs.int('axis', 1)} is out of range for rank ${rank}`);
  return [{ dims: [sizeOf(x.dims.slice(0, axis)), sizeOf(x.dims.slice(axis))], data: x.data.slice() }];
};

/** Resolves a Reshape target: 0 copies the input dim (unless allowzero), −1 is inferred. */
export function reshapeDims(ctx: OpContext, inDims: readonly number[], target: readonly number[], allowZero: boolean): number[] {
  const out = target.map((d, i) => (d === 0 && !allowZero ? inDims[i] ?? ctx.fail(`shape[${i}] = 0 has no input dim to copy`) : d));
  const total = sizeOf(inDims);
  const neg = out.filter((d) => d === -1).length;
  if (neg > 1) return ctx.fail(`shape [${target}] has more than one -1`);
  if (neg === 1) {
    const known = sizeOf(out.filter((d) => d !== -1));
    if (known === 0 || total % known !== 0) return ctx.fail(`cannot infer -1 in [${target}] for ${total} elements`);
    out[out.indexOf(-1)] = total / known;
  }
  if (out.some((d) => d < 0)) return ctx.fail(`shape [${target}] has negative dims`);
  if (sizeOf(out) !== total) return ctx.fail(`cannot reshape [${inDims}] (${total} elements) to [${out}]`);
  return out;
}

const reshape: OpImpl = (ctx) => {
  const x = ctx.input(0);
  const shapeT = ctx.inputs[1];
  const target = shapeT ? toNumbers(shapeT) : ctx.attrs.ints('shape');
  if (!target) return ctx.fail('needs a shape input');
  const dims = reshapeDims(ctx, x.dims, target, ctx.attrs.int('allowzero', 0) !== 0);
  return [{ dims, data: x.data.slice() }];
};

const transpose: OpImpl = (ctx) => {
  const x = ctx.input(0);
  const rank = x.dims.length;
  const perm = ctx.attrs.ints('perm') ?? Array.from({ length: rank }, (_, i) => rank - 1 - i);
  if (perm.length !== rank || [...perm].sort((a, b) => a - b).some((p, i) => p !== i)) return ctx.fail(`perm [${perm}] is not a permutation of rank ${rank}`);
  return [transposeData(x, perm)];
};

const squeeze: OpImpl = (ctx) => {
  const x = ctx.input(0);
  const rank = x.dims.length;
  const axesRaw = axesFrom(ctx, 1, 13);
  const axes = axesRaw ? axesRaw.map((a) => normAxis(a, rank, ctx)) : x.dims.flatMap((d, i) => (d === 1 ? [i] : []));
  for (const a of axes) if (x.dims[a] !== 1) ctx.fail(`cannot squeeze axis ${a} of size ${x.dims[a]}`);
  return [{ dims: x.dims.filter((_, i) => !axes.includes(i)), data: x.data.slice() }];
};

const unsqueeze: OpImpl = (ctx) => {
  const x = ctx.input(0);
  const axesRaw = axesFrom(ctx, 1, 13);
  if (!axesRaw) return ctx.fail('needs axes');
  const outRank = x.dims.length + axesRaw.length;
  const axes = axesRaw.map((a) => normAxis(a, outRank, ctx));
  if (new Set(axes).size !== axes.length) return ctx.fail(`axes [${axesRaw}] repeat an axis`);
  const dims: number[] = [];
  let j = 0;
  for (let i = 0; i < outRank; i++) dims.push(axes.includes(i) ? 1 : x.dims[j++]!);
  return [{ dims, data: x.data.slice() }];
};

const concat: OpImpl = (ctx) => {
  const ts = ctx.inputs.filter((t): t is RefTensor => t !== undefined);
  if (ts.length === 0) return ctx.fail('needs inputs');
  const rank = ts[0]!.dims.length;
  const axis = normAxis(ctx.attrs.int('axis') ?? ctx.fail('needs an axis attribute'), rank, ctx);
  for (const t of ts) {
    if (t.dims.length !== rank || t.dims.some((d, i) => i !== axis && d !== ts[0]!.dims[i])) {
      ctx.fail(`inputs [${ts.map((u) => `[${u.dims}]`).join(', ')}] differ outside axis ${axis}`);
    }
  }
  const outer = sizeOf(ts[0]!.dims.slice(0, axis));
  const inner = sizeOf(ts[0]!.dims.slice(axis + 1));
  const total = ts.reduce((s, t) => s + t.dims[axis]!, 0);
  const dims = [...ts[0]!.dims];
  dims[axis] = total;
  // build the result by gathering from a virtual concatenation of the inputs' data
  const kind = ts[0]!.data.constructor;
  if (ts.some((t) => t.data.constructor !== kind)) return ctx.fail('inputs have different element types');
  const out = new (kind as { new (n: number): RefTensor['data'] })(sizeOf(dims));
  let off = 0;
  for (const t of ts) {
    const d = t.dims[axis]!;
    for (let o = 0; o < outer; o++) {
      for (let k = 0; k < d * inner; k++) out[(o * total + off) * inner + k] = t.data[o * d * inner + k]!;
    }
    off += d;
  }
  return [{ dims, data: out }];
};

/** Extracts the block [start, start + len) of `axis` (used by Split). */
function sliceAxis(t: RefTensor, axis: number, start: number, len: number): RefTensor {
  const outer = sizeOf(t.dims.slice(0, axis));
  const inner = sizeOf(t.dims.slice(axis + 1));
  const D = t.dims[axis]!;
  const idx: number[] = [];
  for (let o = 0; o < outer; o++) for (let k = 0; k < len * inner; k++) idx.push((o * D + start) * inner + k);
  const dims = [...t.dims];
  dims[axis] = len;
  return { dims, data: gatherFlat(t.data, idx) };
}

const split: OpImpl = (ctx) => {
  const x = ctx.input(0);
  const axis = normAxis(ctx.attrs.int('axis', 0), x.dims.length, ctx);
  const D = x.dims[axis]!;
  const nOut = ctx.numOutputs;
  let sizes = ctx.opset >= 13 ? (ctx.inputs[1] ? toNumbers(ctx.inputs[1]) : undefined) : ctx.attrs.ints('split');
  if (!sizes) {
    const numOutputs = ctx.attrs.int('num_outputs');
    if (numOutputs !== undefined) {
      const chunk = Math.ceil(D / numOutputs);
      sizes = Array.from({ length: numOutputs }, (_, i) => Math.max(0, Math.min(chunk, D - i * chunk)));
    } else {
      if (D % nOut !== 0) return ctx.fail(`axis of size ${D} does not split evenly into ${nOut} outputs`);
      sizes = new Array<number>(nOut).fill(D / nOut);
    }
  }
  if (sizes.length !== nOut) return ctx.fail(`split has ${sizes.length} sizes for ${nOut} outputs`);
  if (sizes.reduce((a, b) => a + b, 0) !== D) return ctx.fail(`split sizes [${sizes}] do not sum to ${D}`);
  const outs: RefTensor[] = [];
  let start = 0;
  for (const s of sizes) {
    outs.push(sliceAxis(x, axis, start, s));
    start += s;
  }
  return outs;
};

/** Slice with the spec's clamping rules (starts/ends may be ±INT64 extremes). */
const slice: OpImpl = (ctx) => {
  const x = ctx.input(0);
  const rank = x.dims.length;
  let starts: number[];
  let ends: number[];
  let axes: number[] | undefined;
  let steps: number[] | undefined;
  if (ctx.opset < 10) {
    starts = ctx.attrs.ints('starts') ?? ctx.fail('needs starts');
    ends = ctx.attrs.ints('ends') ?? ctx.fail('needs ends');
    axes = ctx.attrs.ints('axes');
  } else {
    starts = toNumbers(ctx.input(1));
    ends = toNumbers(ctx.input(2));
    axes = ctx.inputs[3] ? toNumbers(ctx.inputs[3]) : undefined;
    steps = ctx.inputs[4] ? toNumbers(ctx.inputs[4]) : undefined;
  }
  axes ??= starts.map((_, i) => i);
  steps ??= starts.map(() => 1);
  if (ends.length !== starts.length || axes.length !== starts.length || steps.length !== starts.length) {
    return ctx.fail('starts, ends, axes and steps must have the same length');
  }
  const st = new Array<number>(rank).fill(0);
  const sp = new Array<number>(rank).fill(1);
  const cnt = [...x.dims];
  for (let i = 0; i < starts.length; i++) {
    const a = normAxis(axes[i]!, rank, ctx);
    const dim = x.dims[a]!;
    const step = steps[i]!;
    if (step === 0) return ctx.fail('steps must be non-zero');
    let s = starts[i]!;
    let e = ends[i]!;
    if (s < 0) s += dim;
    if (e < 0) e += dim;
    if (step > 0) {
      s = Math.min(Math.max(s, 0), dim);
      e = Math.min(Math.max(e, 0), dim);
    } else {
      s = Math.min(Math.max(s, 0), dim - 1);
      e = Math.min(Math.max(e, -1), dim - 1);
    }
    st[a] = s;
    sp[a] = step;
    cnt[a] = Math.max(0, Math.ceil((e - s) / step));
  }
  const inStr = stridesOf(x.dims);
  const n = sizeOf(cnt);
  const idx = new Int32Array(n);
  const cur = new Array<number>(rank).fill(0);
  for (let i = 0; i < n; i++) {
    let off = 0;
    for (let a = 0; a < rank; a++) off += (st[a]! + cur[a]! * sp[a]!) * inStr[a]!;
    idx[i] = off;
    for (let a = rank - 1; a >= 0; a--) {
      if (++cur[a]! < cnt[a]!) break;
      cur[a] = 0;
    }
  }
  return [{ dims: cnt, data: gatherFlat(x.data, idx) }];
};

const expand: OpImpl = (ctx) => {
  const x = ctx.input(0);
  const shape = toNumbers(ctx.input(1));
  const dims = broadcastShapes([x.dims, shape]);
  if (!dims) return ctx.fail(`[${x.dims}] does not broadcast with [${shape}]`);
  return [{ dims, data: gatherFlat(x.data, broadcastIndex(x.dims, dims)) }];
};

const tile: OpImpl = (ctx) => {
  const x = ctx.input(0);
  const reps = toNumbers(ctx.input(1));
  const rank = x.dims.length;
  if (reps.length !== rank) return ctx.fail(`repeats has ${reps.length} entries for rank ${rank}`);
  const dims = x.dims.map((d, i) => d * reps[i]!);
  const inStr = stridesOf(x.dims);
  const n = sizeOf(dims);
  const idx = new Int32Array(n);
  const cur = new Array<number>(rank).fill(0);
  for (let i = 0; i < n; i++) {
    let off = 0;
    for (let a = 0; a < rank; a++) off += (cur[a]! % x.dims[a]!) * inStr[a]!;
    idx[i] = off;
    for (let a = rank - 1; a >= 0; a--) {
      if (++cur[a]! < dims[a]!) break;
      cur[a] = 0;
    }
  }
  return [{ dims, data: gatherFlat(x.data, idx) }];
};

const shape: OpImpl = (ctx) => {
  const x = ctx.input(0);
  const rank = x.dims.length;
  const clamp = (v: number): number => Math.min(Math.max(v < 0 ? v + rank : v, 0), rank);
  const start = clamp(ctx.attrs.int('start', 0));
  const end = clamp(ctx.attrs.int('end', rank));
  const vals = x.dims.slice(start, Math.max(start, end));
  return [intTensor([vals.length], vals)];
};

const size: OpImpl = (ctx) => [intTensor([], [sizeOf(ctx.input(0).dims)])];

const depthToSpace: OpImpl = (ctx) => {
  const x = ctx.input(0);
  const bs = ctx.attrs.int('blocksize') ?? ctx.fail('needs blocksize');
  if (x.dims.length !== 4) return ctx.fail('expects a 4-D input');
  const [N, C, H, W] = x.dims as [number, number, number, number];
  if (C % (bs * bs) !== 0) return ctx.fail(`C=${C} is not divisible by blocksize² = ${bs * bs}`);
  const c = C / (bs * bs);
  const mode = ctx.attrs.string('mode', 'DCR');
  let t: RefTensor;
  if (mode === 'DCR') t = transposeData({ dims: [N, bs, bs, c, H, W], data: x.data }, [0, 3, 4, 1, 5, 2]);
  else if (mode === 'CRD') t = transposeData({ dims: [N, c, bs, bs, H, W], data: x.data }, [0, 1, 4, 2, 5, 3]);
  else return ctx.fail(`unknown mode '${mode}'`);
  return [{ dims: [N, c, H * bs, W * bs], data: t.data }];
};

const spaceToDepth: OpImpl = (ctx) => {
  const x = ctx.input(0);
  const bs = ctx.attrs.int('blocksize') ?? ctx.fail('needs blocksize');
  if (x.dims.length !== 4) return ctx.fail('expects a 4-D input');
  const [N, C, H, W] = x.dims as [number, number, number, number];
  if (H % bs !== 0 || W % bs !== 0) return ctx.fail(`H=${H}, W=${W} are not divisible by blocksize ${bs}`);
  const t = transposeData({ dims: [N, C, H / bs, bs, W / bs, bs], data: x.data }, [0, 3, 5, 1, 2, 4]);
  return [{ dims: [N, C * bs * bs, H / bs, W / bs], data: t.data }];
};

export const ops: Record<string, OpImpl> = {
  Identity: identity,
  Dropout: dropout,
  Flatten: flatten,
  Reshape: reshape,
  Transpose: transpose,
  Squeeze: squeeze,
  Unsqueeze: unsqueeze,
  Concat: concat,
  Split: split,
  Slice: slice,
  Expand: expand,
  Tile: tile,
  Shape: shape,
  Size: size,
  DepthToSpace: depthToSpace,
  SpaceToDepth: spaceToDepth,
};
