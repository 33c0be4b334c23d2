/**
 * Reductions of the float64 reference evaluator: ReduceSum/Mean/Max/Min/Prod/SumSquare/L1/L2/LogSum/
 * LogSumExp with axes as an attribute (ReduceSum ≤ 12, the others ≤ 17) or as an optional input
 * (ReduceSum 13+, the others 18+), keepdims and noop_with_empty_axes; ArgMax/ArgMin (keepdims,
 * select_last_index); CumSum (exclusive, reverse).
 */
import { axesFrom, kindOf, normAxis, sizeOf, stridesOf } from './common.ts';
import type { OpContext, OpImpl, RefTensor } from './common.ts';

type Reducer = 'sum' | 'mean' | 'max' | 'min' | 'prod' | 'sumsquare' | 'l1' | 'l2' | 'logsum' | 'logsumexp';

/** Resolves reduction axes; undefined means "return the input unchanged" (noop_with_empty_axes). */
function reductionAxes(ctx: OpContext, rank: number, axesInputSince: number): number[] | undefined {
  const axes = axesFrom(ctx, 1, axesInputSince);
  if (!axes || axes.length === 0) {
    if (ctx.attrs.int('noop_with_empty_axes', 0) !== 0) return undefined;
    return Array.from({ length: rank }, (_, i) => i);
  }
  return [...new Set(axes.map((a) => normAxis(a, rank, ctx)))].sort((a, b) => a - b);
}

/** For each input flat index, the flat index of its reduced output element. */
function reductionMap(dims: readonly number[], axes: readonly number[]): { map: Int32Array; keptDims: number[] } {
  const keptDims = dims.map((d, i) => (axes.includes(i) ? 1 : d));
  const outStr = stridesOf(keptDims);
  const n = sizeOf(dims);
  const map = new Int32Array(n);
  const rank = dims.length;
  const idx = new Array<number>(rank).fill(0);
  let o = 0;
  const eff = dims.map((_, i) => (axes.includes(i) ? 0 : outStr[i]!));
  for (let i = 0; i < n; i++) {
    map[i] = o;
    for (let a = rank - 1; a >= 0; a--) {
      idx[a]!++;
      o += eff[a]!;
      if (idx[a]! < dims[a]!) break;
      o -= eff[a]! * dims[a]!;
      idx[a] = 0;
    }
  }
  return { map, keptDims };
}

function reduceOp(r: Reducer, axesInputSince: number): OpImpl {
  return (ctx) => {
    const x = ctx.input(0);
    const k = kindOf(x);
    if (k === 'bool') return ctx.fail('does not accept bool input');
    const rank = x.dims.length;
    const axes = reductionAxes(ctx, rank, axesInputSince);
    if (!axes) return [{ dims: [...x.dims], data: x.data.slice() }];
    const keep = ctx.attrs.int('keepdims', 1) !== 0;
    const { keptDims, map } = reductionMap(x.dims, axes);
    const outDims = keep ? keptDims : x.dims.filter((_, i) => !axes.includes(i));
    const nOut = sizeOf(keptDims);
    const count = sizeOf(axes.map((a) => x.dims[a]!));
    if (k === 'int') {
      if (!['sum', 'max', 'min', 'prod', 'sumsquare', 'l1', 'mean'].includes(r)) return ctx.fail('does not accept int input');
      const xd = x.data as BigInt64Array;
      const out = new BigInt64Array(nOut);
      const seen = new Uint8Array(nOut);
      if (r === 'prod') out.fill(1n);
      for (let i = 0; i < xd.length; i++) {
        const o = map[i]!;
        const v = xd[i]!;
        if (r === 'max' || r === 'min') {
          if (!seen[o] || (r === 'max' ? v > out[o]! : v < out[o]!)) out[o] = v;
          seen[o] = 1;
        } else if (r === 'prod') out[o]! *= v;
        else if (r === 'sumsquare') out[o]! += v * v;
        else if (r === 'l1') out[o]! += v < 0n ? -v : v;
        else out[o]! += v;
      }
      if (r === 'mean') for (let o = 0; o < nOut; o++) out[o] = out[o]! / BigInt(count);
      return [{ dims: outDims, data: out }];
    }
    const xd = x.data as Float64Array;
    const out = new Float64Array(nOut);
    if (r === 'max') out.fill(-Infinity);
    else if (r === 'min') out.fill(Infinity);
    else if (r === 'prod') out.fill(1);
    let shift: Float64Array | undefined;
    if (r === 'logsumexp') {
      shift = new Float64Array(nOut).fill(-Infinity);
      for (let i = 0; i < xd.length; i++) shift[map[i]!] = Math.max(shift[map[i]!]!, xd[i]!);
      for (let o = 0; o < nOut; o++) if (!Number.isFinite(shift[o]!)) shift[o] = 0;
    }
    for (let i = 0; i < xd.length; i++) {
      const o = map[i]!;
      const v = xd[i]!;
      switch (r) {
        case 'max': out[o] = Number.isNaN(v) || v > out[o]! ? v : out[o]!; break;
        case 'min': out[o] = Number.isNaN(v) || v < out[o]! ? v : out[o]!; break;
        case 'prod': out[o]! *= v; break;
        case 'sumsquare': case 'l2': out[o]! += v * v; break;
        case 'l1': out[o]! += Math.abs(v); break;
        case 'logsumexp': out[o]! += Math.exp(v - shift![o]!); break;
        default: out[o]! += v;
      }
    }
    for (let o = 0; o < nOut; o++) {
      if (r === 'mean') out[o]! /= count;
      else if (r === 'l2') out[o] = Math.sqrt(out[o]!);
      else if (r === 'logsum') out[o] = Math.log(out[o]!);
      else if (r === 'logsumexp') out[o] = Math.log(out[o]!) + shift![o]!;
    }
    return [{ dims: outDims, data: out }];
  };
}

function argOp(max: boolean): OpImpl {
  return (ctx) => {
    const x = ctx.input(0);
    if (kindOf(x) === 'bool') return ctx.fail('does not accept bool input');
    const rank = x.dims.length;
    const axis = normAxis(ctx.attrs.int('axis', 0), rank, ctx);
    const keep = ctx.attrs.int('keepdims', 1) !== 0;
    const last = ctx.attrs.int('select_last_index', 0) !== 0;
    const D = x.dims[axis]!;
    const outer = sizeOf(x.dims.slice(0, axis));
    const inner = sizeOf(x.dims.slice(axis + 1));
    const out = new BigInt64Array(outer * inner);
    const xd = x.data;
    for (let o = 0; o < outer; o++) {
      for (let i = 0; i < inner; i++) {
        let best = xd[o * D * inner + i]!;
        let arg = 0;
        for (let d = 1; d < D; d++) {
          const v = xd[(o * D + d) * inner + i]!;
          const better = max ? v > best : v < best;
          if (better || (last && v === best)) {
            best = v;
            arg = d;
          }
        }
        out[o * inner + i] = BigInt(arg);
      }
    }
    const dims = keep ? x.dims.map((d, i) => (i === axis ? 1 : d)) : x.dims.filter((_, i) => i !== axis);
    return [{ dims, data: out }];
  };
}

const cumSum: OpImpl = (ctx) => {
  const x = ctx.input(0);
  const axisT = ctx.input(1);
  if (kindOf(x) === 'bool') return ctx.fail('does not accept bool input');
  const axis = normAxis(Number(axisT.data[0]), x.dims.length, ctx);
  const exclusive = ctx.attrs.int('exclusive', 0) !== 0;
  const reverse = ctx.attrs.int('reverse', 0) !== 0;
  const D = x.dims[axis]!;
  const outer = sizeOf(x.dims.slice(0, axis));
  const inner = sizeOf(x.dims.slice(axis + 1));
  const isInt = kindOf(x) === 'int';
  const out: RefTensor['data'] = isInt ? new BigInt64Array(x.data.length) : new Float64Array(x.data.length);
  for (let o = 0; o < outer; o++) {
    for (let i = 0; i < inner; i++) {
      let acc: number | bigint = isInt ? 0n : 0;
      for (let s = 0; s < D; s++) {
        const d = reverse ? D - 1 - s : s;
        const idx = (o * D + d) * inner + i;
        const v = x.data[idx]!;
        if (exclusive) {
          out[idx] = acc;
          acc = (acc as number) + (v as number);
        } else {
          acc = (acc as number) + (v as number);
          out[idx] = acc;
        }
      }
    }
  }
  return [{ dims: [...x.dims], data: out }];
};

export const ops: Record<string, OpImpl> = {
  ReduceSum: reduceOp('sum', 13),
  ReduceMean: reduceOp('mean', 18),
  ReduceMax: reduceOp('max', 18),
  ReduceMin: reduceOp('min', 18),
  ReduceProd: reduceOp('prod', 18),
  ReduceSumSquare: reduceOp('sumsquare', 18),
  ReduceL1: reduceOp('l1', 18),
  ReduceL2: reduceOp('l2', 18),
  ReduceLogSum: reduceOp('logsum', 18),
  ReduceLogSumExp: reduceOp('logsumexp', 18),
  ArgMax: argOp(true),
  ArgMin: argOp(false),
  CumSum: cumSum,
};
