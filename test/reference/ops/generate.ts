/**
 * Constant-producing and type ops of the float64 reference evaluator: Constant (every value_*
 * attribute, sparse_value), ConstantOfShape, Range, OneHot, EyeLike, Trilu, NonZero, Cast and CastLike.
 * Casts to any float type keep float64 precision (this is a float64 reference); casts to integer types
 * truncate toward zero and wrap to the target's bit width.
 */
import { DataType, toBigInt, toNum } from '../../../src/core/onnx/proto-types.ts';
import { allocKind, dataKind, floatTensor, intTensor, kindOf, normAxis, numAt, sizeOf, stridesOf, toNumbers } from './common.ts';
import type { Kind, OpContext, OpImpl, RefData, RefTensor } from './common.ts';
import { kindOfDataType, readTensorProto } from './tensor-proto.ts';

const constant: OpImpl = (ctx) => {
  const a = ctx.attrs;
  const t = a.tensor('value');
  if (t) return [readTensorProto(t)];
  if (a.has('value_float')) return [floatTensor([], [a.float('value_float', 0)])];
  if (a.has('value_floats')) {
    const v = a.floats('value_floats', []);
    return [floatTensor([v.length], v)];
  }
  if (a.has('value_int')) return [intTensor([], [toBigInt(a.raw('value_int')!.i)])];
  if (a.has('value_ints')) {
    const v = a.bigints('value_ints') ?? [];
    return [intTensor([v.length], v)];
  }
  const sparse = a.raw('sparse_value')?.sparseTensor;
  if (sparse) {
    const values = readTensorProto(sparse.values ?? {});
    const indices = readTensorProto(sparse.indices ?? {});
    const dims = (sparse.dims ?? []).map((d) => toNum(d));
    const out: RefTensor = { dims, data: allocKind(kindOf(values), sizeOf(dims)) };
    const nnz = values.data.length;
    const str = stridesOf(dims);
    for (let i = 0; i < nnz; i++) {
      let off = 0;
      if (indices.dims.length === 1) off = numAt(indices.data, i);
      else for (let j = 0; j < dims.length; j++) off += numAt(indices.data, i * dims.length + j) * str[j]!;
      out.data[off] = values.data[i]!;
    }
    return [out];
  }
  if (a.has('value_string') || a.has('value_strings')) return ctx.fail('string constants are not supported');
  return ctx.fail('has no value attribute');
};

const constantOfShape: OpImpl = (ctx) => {
  const dims = toNumbers(ctx.input(0));
  const v = ctx.attrs.tensor('value');
  const value = v ? readTensorProto(v) : floatTensor([1], [0]);
  if (value.data.length !== 1) return ctx.fail('value must hold exactly one element');
  const out = allocKind(kindOf(value), sizeOf(dims));
  out.fill(value.data[0] as never);
  return [{ dims, data: out }];
};

const range: OpImpl = (ctx) => {
  const [start, limit, delta] = [0, 1, 2].map((i) => ctx.input(i)) as [RefTensor, RefTensor, RefTensor];
  const [s, l, d] = [start, limit, delta].map((t) => numAt(t.data, 0)) as [number, number, number];
  if (d === 0) return ctx.fail('delta must be non-zero');
  const n = Math.max(Math.ceil((l - s) / d), 0);
  if (kindOf(start) === 'int') {
    const out = new BigInt64Array(n);
    const bs = start.data[0] as bigint;
    const bd = delta.data[0] as bigint;
    for (let i = 0; i < n; i++) out[i] = bs + BigInt(i) * bd;
    return [{ dims: [n], data: out }];
  }
  return [floatTensor([n], Array.from({ length: n }, (_, i) => s + i * d))];
};

const oneHot: OpImpl = (ctx) => {
  const indices = ctx.input(0);
  const depth = Math.trunc(numAt(ctx.input(1).data, 0));
  const values = ctx.input(2);
  if (values.data.length !== 2) return ctx.fail('values must hold [off_value, on_value]');
  const rank = indices.dims.length;
  const axis = normAxis(ctx.attrs.int('axis', -1), rank + 1, ctx);
  const outer = sizeOf(indices.dims.slice(0, axis));
  const inner = sizeOf(indices.dims.slice(axis));
  const dims = [...indices.dims.slice(0, axis), depth, ...indices.dims.slice(axis)];
  const out = allocKind(kindOf(values), sizeOf(dims));
  out.fill(values.data[0] as never);
  for (let o = 0; o < outer; o++) {
    for (let i = 0; i < inner; i++) {
      let v = Math.trunc(numAt(indices.data, o * inner + i));
      if (v < 0) v += depth;
      if (v >= 0 && v < depth) out[(o * depth + v) * inner + i] = values.data[1]!;
    }
  }
  return [{ dims, data: out }];
};

function castKind(ctx: OpContext, to: number): Kind {
  const k = kindOfDataType(to);
  if (!k) return ctx.fail(`cannot cast to data type ${DataType[to] ?? to}`);
  return k;
}

const INT_BITS: Partial<Record<number, [number, boolean]>> = {
  [DataType.INT8]: [8, true], [DataType.UINT8]: [8, false], [DataType.INT16]: [16, true], [DataType.UINT16]: [16, false],
  [DataType.INT32]: [32, true], [DataType.UINT32]: [32, false], [DataType.INT64]: [64, true], [DataType.UINT64]: [64, false],
};

/** Converts data to a storage kind; `to` (an ONNX DataType) narrows integers to its bit width. */
export function castData(src: RefData, kind: Kind, to?: number): RefData {
  const n = src.length;
  const from = dataKind(src);
  if (kind === 'float') {
    const o = new Float64Array(n);
    for (let i = 0; i < n; i++) o[i] = numAt(src, i);
    return o;
  }
  if (kind === 'bool') {
    const o = new Uint8Array(n);
    for (let i = 0; i < n; i++) o[i] = src[i] ? 1 : 0;
    return o;
  }
  const o = new BigInt64Array(n);
  const bits = to !== undefined ? INT_BITS[to] : undefined;
  for (let i = 0; i < n; i++) {
    let v: bigint;
    if (from === 'int') v = src[i] as bigint;
    else {
      const x = Number(src[i]);
      v = Number.isNaN(x) ? 0n : x === Infinity ? 2n ** 63n - 1n : x === -Infinity ? -(2n ** 63n) : BigInt(Math.trunc(x));
    }
    if (bits) v = bits[1] ? BigInt.asIntN(bits[0], v) : BigInt.asUintN(bits[0], v);
    o[i] = v;
  }
  return o;
}

const cast: OpImpl = (ctx) => {
  const x = ctx.input(0);
  const to = ctx.attrs.int('to') ?? ctx.fail('needs a to attribute');
  return [{ dims: [...x.dims], data: castData(x.data, castKind(ctx, to), to) }];
};

const castLike: OpImpl = (ctx) => {
  const x = ctx.input(0);
  const like = ctx.input(1);
  return [{ dims: [...x.dims], data: castData(x.data, kindOf(like)) }];
};

const eyeLike: OpImpl = (ctx) => {
  const x = ctx.input(0);
  if (x.dims.length !== 2) return ctx.fail('expects a 2-D input');
  const k = ctx.attrs.int('k', 0);
  const dt = ctx.attrs.int('dtype');
  const kind = dt !== undefined ? castKind(ctx, dt) : kindOf(x);
  const [R, C] = x.dims as [number, number];
  const out = allocKind(kind, R * C);
  const one = kind === 'int' ? 1n : 1;
  for (let r = 0; r < R; r++) {
    const c = r + k;
    if (c >= 0 && c < C) out[r * C + c] = one as never;
  }
  return [{ dims: [R, C], data: out }];
};

const trilu: OpImpl = (ctx) => {
  const x = ctx.input(0);
  if (x.dims.length < 2) return ctx.fail('expects rank >= 2');
  const k = ctx.inputs[1] ? numAt(ctx.inputs[1].data, 0) : 0;
  const upper = ctx.attrs.int('upper', 1) !== 0;
  const R = x.dims[x.dims.length - 2]!;
  const C = x.dims[x.dims.length - 1]!;
  const out = x.data.slice();
  const zero = kindOf(x) === 'int' ? 0n : 0;
  for (let i = 0; i < out.length; i++) {
    const c = i % C;
    const r = Math.floor(i / C) % R;
    const keep = upper ? c - r >= k : c - r <= k;
    if (!keep) out[i] = zero as never;
  }
  return [{ dims: [...x.dims], data: out }];
};

const nonZero: OpImpl = (ctx) => {
  const x = ctx.input(0);
  const rank = x.dims.length;
  const str = stridesOf(x.dims);
  const hits: number[] = [];
  for (let i = 0; i < x.data.length; i++) if (x.data[i]) hits.push(i);
  const out = new BigInt64Array(rank * hits.length);
  hits.forEach((flat, j) => {
    let rem = flat;
    for (let a = 0; a < rank; a++) {
      out[a * hits.length + j] = BigInt(Math.floor(rem / str[a]!));
      rem %= str[a]!;
    }
  });
  return [{ dims: [rank, hits.length], data: out }];
};

export const ops: Record<string, OpImpl> = {
  Constant: constant,
  ConstantOfShape: constantOfShape,
  Range: range,
  OneHot: oneHot,
  Cast: cast,
  CastLike: castLike,
  EyeLike: eyeLike,
  Trilu: trilu,
  NonZero: nonZero,
};
