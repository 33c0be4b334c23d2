/**
 * Indexing ops of the float64 reference evaluator: Gather, GatherElements, GatherND (batch_dims),
 * ScatterElements (and the deprecated Scatter) and ScatterND with reduction none/add/mul/max/min.
 * Negative indices count from the end; out-of-range indices throw, naming the node.
 */
import { gatherFlat, kindOf, normAxis, numAt, sizeOf, stridesOf } from './common.ts';
import type { OpContext, OpImpl, RefData, RefTensor } from './common.ts';

function indexValue(ctx: OpContext, t: RefTensor, i: number, dim: number): number {
  if (kindOf(t) !== 'int') ctx.fail('indices must be an integer tensor');
  let v = numAt(t.data, i);
  if (v < 0) v += dim;
  if (v < 0 || v >= dim) ctx.fail(`index ${numAt(t.data, i)} is out of range for a dimension of size ${dim}`);
  return v;
}

const gather: OpImpl = (ctx) => {
  const data = ctx.input(0);
  const indices = ctx.input(1);
  const axis = normAxis(ctx.attrs.int('axis', 0), data.dims.length, ctx);
  const D = data.dims[axis]!;
  const outer = sizeOf(data.dims.slice(0, axis));
  const inner = sizeOf(data.dims.slice(axis + 1));
  const nIdx = indices.data.length;
  const src = new Int32Array(outer * nIdx * inner);
  let t = 0;
  for (let o = 0; o < outer; o++) {
    for (let j = 0; j < nIdx; j++) {
      const v = indexValue(ctx, indices, j, D);
      for (let k = 0; k < inner; k++) src[t++] = (o * D + v) * inner + k;
    }
  }
  const dims = [...data.dims.slice(0, axis), ...indices.dims, ...data.dims.slice(axis + 1)];
  return [{ dims, data: gatherFlat(data.data, src) }];
};

/** For each element of `indices` (shape = indices.dims), the flat index in `data` it addresses along `axis`. */
function elementTargets(ctx: OpContext, data: RefTensor, indices: RefTensor, axis: number): Int32Array {
  const rank = data.dims.length;
  if (indices.dims.length !== rank) ctx.fail(`indices rank ${indices.dims.length} differs from data rank ${rank}`);
  const dStr = stridesOf(data.dims);
  const n = indices.data.length;
  const out = new Int32Array(n);
  const cur = new Array<number>(rank).fill(0);
  for (let i = 0; i < n; i++) {
    let off = 0;
    for (let a = 0; a < rank; a++) {
      const c = a === axis ? indexValue(ctx, indices, i, data.dims[a]!) : cur[a]!;
      if (a !== axis && c >= data.dims[a]!) ctx.fail(`indices shape [${indices.dims}] exceeds data shape [${data.dims}] on axis ${a}`);
      off += c * dStr[a]!;
    }
    out[i] = off;
    for (let a = rank - 1; a >= 0; a--) {
      if (++cur[a]! < indices.dims[a]!) break;
      cur[a] = 0;
    }
  }
  return out;
}

const gatherElements: OpImpl = (ctx) => {
  const data = ctx.input(0);
  const indices = ctx.input(1);
  const axis = normAxis(ctx.attrs.int('axis', 0), data.dims.length, ctx);
  return [{ dims: [...indices.dims], data: gatherFlat(data.data, elementTargets(ctx, data, indices, axis)) }];
};

type Reduction = 'none' | 'add' | 'mul' | 'max' | 'min';

function combine(out: RefData, at: number, v: number | bigint, r: Reduction): void {
  const cur = out[at]!;
  if (r === 'none') out[at] = v;
  else if (typeof cur === 'bigint') {
    const b = v as bigint;
    out[at] = r === 'add' ? cur + b : r === 'mul' ? cur * b : r === 'max' ? (b > cur ? b : cur) : b < cur ? b : cur;
  } else {
    const b = v as number;
    out[at] = r === 'add' ? cur + b : r === 'mul' ? cur * b : r === 'max' ? Math.max(cur, b) : Math.min(cur, b);
  }
}

function reduction(ctx: OpContext): Reduction {
  const r = ctx.attrs.string('reduction', 'none');
  if (!['none', 'add', 'mul', 'max', 'min'].includes(r)) return ctx.fail(`unknown reduction '${r}'`);
  if (kindOf(ctx.input(0)) === 'bool' && r !== 'none') return ctx.fail(`reduction '${r}' on bool data`);
  return r as Reduction;
}

const scatterElements: OpImpl = (ctx) => {
  const data = ctx.input(0);
  const indices = ctx.input(1);
  const updates = ctx.input(2);
  if (updates.data.constructor !== data.data.constructor) return ctx.fail('updates and data have different element types');
  const axis = normAxis(ctx.attrs.int('axis', 0), data.dims.length, ctx);
  if (updates.dims.join() !== indices.dims.join()) return ctx.fail(`updates [${updates.dims}] and indices [${indices.dims}] differ in shape`);
  const r = reduction(ctx);
  const targets = elementTargets(ctx, data, indices, axis);
  const out = data.data.slice();
  for (let i = 0; i < targets.length; i++) combine(out, targets[i]!, updates.data[i]!, r);
  return [{ dims: [...data.dims], data: out }];
};

const scatterND: OpImpl = (ctx) => {
  const data = ctx.input(0);
  const indices = ctx.input(1);
  const updates = ctx.input(2);
  if (updates.data.constructor !== data.data.constructor) return ctx.fail('updates and data have different element types');
  const r = reduction(ctx);
  const k = indices.dims[indices.dims.length - 1]!;
  if (k > data.dims.length) return ctx.fail(`indices last dim ${k} exceeds data rank ${data.dims.length}`);
  const nTuples = sizeOf(indices.dims.slice(0, -1));
  const sliceSize = sizeOf(data.dims.slice(k));
  const expect = [...indices.dims.slice(0, -1), ...data.dims.slice(k)];
  if (updates.dims.join() !== expect.join()) return ctx.fail(`updates shape [${updates.dims}] should be [${expect}]`);
  const dStr = stridesOf(data.dims);
  const out = data.data.slice();
  for (let t = 0; t < nTuples; t++) {
    let off = 0;
    for (let j = 0; j < k; j++) off += indexValue(ctx, indices, t * k + j, data.dims[j]!) * dStr[j]!;
    for (let s = 0; s < sliceSize; s++) combine(out, off + s, updates.data[t * sliceSize + s]!, r);
  }
  return [{ dims: [...data.dims], data: out }];
};

const gatherND: OpImpl = (ctx) => {
  const data = ctx.input(0);
  const indices = ctx.input(1);
  const b = ctx.attrs.int('batch_dims', 0);
  const k = indices.dims[indices.dims.length - 1]!;
  if (b + k > data.dims.length) return ctx.fail(`batch_dims + indices last dim exceed data rank ${data.dims.length}`);
  const nBatch = sizeOf(data.dims.slice(0, b));
  const tuplesPerBatch = sizeOf(indices.dims.slice(b, -1));
  const sliceSize = sizeOf(data.dims.slice(b + k));
  const batchSize = sizeOf(data.dims.slice(b));
  const dStr = stridesOf(data.dims.slice(b));
  const src: number[] = [];
  for (let bi = 0; bi < nBatch; bi++) {
    for (let t = 0; t < tuplesPerBatch; t++) {
      const base = (bi * tuplesPerBatch + t) * k;
      let off = bi * batchSize;
      for (let j = 0; j < k; j++) off += indexValue(ctx, indices, base + j, data.dims[b + j]!) * dStr[j]!;
      for (let s = 0; s < sliceSize; s++) src.push(off + s);
    }
  }
  const dims = [...indices.dims.slice(0, -1), ...data.dims.slice(b + k)];
  return [{ dims, data: gatherFlat(data.data, src) }];
};

export const ops: Record<string, OpImpl> = {
  Gather: gather,
  GatherElements: gatherElements,
  GatherND: gatherND,
  ScatterElements: scatterElements,
  Scatter: scatterElements,
  ScatterND: scatterND,
};
