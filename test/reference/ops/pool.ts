/**
 * Pooling ops of the float64 reference evaluator: MaxPool (with the optional Indices output, flattened
 * over the whole input as ONNX defines it, spatial part row-major or column-major per storage_order),
 * AveragePool (count_include_pad both ways), LpPool, and the Global* variants. All take auto_pad,
 * explicit pads, strides, dilations and ceil_mode (windows that would start in the right padding are
 * dropped, as the spec and PyTorch do).
 */
import { kindOf, sizeOf } from './common.ts';
import type { OpContext, OpImpl, RefTensor } from './common.ts';
import { multiIndex } from './conv.ts';

export interface PoolGeometry {
  kernel: number[];
  strides: number[];
  dilations: number[];
  padBegin: number[];
  padEnd: number[];
  outSp: number[];
}

/** Output shape and padding of a pooling window per the ONNX pooling spec. */
export function poolGeometry(ctx: OpContext, inSp: number[]): PoolGeometry {
  const nSp = inSp.length;
  const kernel = ctx.attrs.ints('kernel_shape');
  if (!kernel || kernel.length !== nSp) return ctx.fail(`kernel_shape must have ${nSp} entries`);
  const strides = ctx.attrs.ints('strides') ?? new Array<number>(nSp).fill(1);
  const dilations = ctx.attrs.ints('dilations') ?? new Array<number>(nSp).fill(1);
  const ceilMode = ctx.attrs.int('ceil_mode', 0) !== 0;
  const autoPad = ctx.attrs.string('auto_pad', 'NOTSET');
  const eff = kernel.map((k, i) => (k - 1) * dilations[i]! + 1);
  const outSp: number[] = [];
  let padBegin: number[];
  let padEnd: number[];
  if (autoPad === 'SAME_UPPER' || autoPad === 'SAME_LOWER') {
    padBegin = [];
    padEnd = [];
    for (let i = 0; i < nSp; i++) {
      const out = Math.ceil(inSp[i]! / strides[i]!);
      const total = Math.max(0, (out - 1) * strides[i]! + eff[i]! - inSp[i]!);
      const small = Math.floor(total / 2);
      padBegin.push(autoPad === 'SAME_UPPER' ? small : total - small);
      padEnd.push(autoPad === 'SAME_UPPER' ? total - small : small);
      outSp.push(out);
    }
  } else {
    if (autoPad === 'VALID') {
      padBegin = new Array<number>(nSp).fill(0);
      padEnd = new Array<number>(nSp).fill(0);
    } else if (autoPad === 'NOTSET') {
      const pads = ctx.attrs.ints('pads') ?? new Array<number>(2 * nSp).fill(0);
      if (pads.length !== 2 * nSp) return ctx.fail(`pads has ${pads.length} entries, expected ${2 * nSp}`);
      padBegin = pads.slice(0, nSp);
      padEnd = pads.slice(nSp);
    } else {
      return ctx.fail(`unknown auto_pad '${autoPad}'`);
    }
    for (let i = 0; i < nSp; i++) {
      const span = (inSp[i]! + padBegin[i]! + padEnd[i]! - eff[i]!) / strides[i]!;
      let out = (ceilMode ? Math.ceil(span) : Math.floor(span)) + 1;
      // a window must start inside the input or the left padding
      if (ceilMode && (out - 1) * strides[i]! >= inSp[i]! + padBegin[i]!) out--;
      outSp.push(out);
    }
  }
  if (outSp.some((o) => o <= 0)) return ctx.fail(`output spatial shape [${outSp}] is empty for input [${inSp}]`);
  return { kernel, strides, dilations, padBegin, padEnd, outSp };
}

type Mode = 'max' | 'avg' | 'lp';

function pool(mode: Mode): OpImpl {
  return (ctx) => {
    const x = ctx.input(0);
    if (kindOf(x) !== 'float') return ctx.fail('expects a float input');
    const nSp = x.dims.length - 2;
    if (nSp < 1) return ctx.fail(`input of shape [${x.dims}] has no spatial dims`);
    const [N, C] = [x.dims[0]!, x.dims[1]!];
    const inSp = x.dims.slice(2);
    const geo = poolGeometry(ctx, inSp);
    const { kernel, strides, dilations, padBegin, padEnd, outSp } = geo;
    const includePad = ctx.attrs.int('count_include_pad', 0) !== 0;
    const p = ctx.attrs.int('p', 2);
    const storageOrder = ctx.attrs.int('storage_order', 0);
    const wantIndices = mode === 'max' && ctx.wantsOutput(1);
    const inSize = sizeOf(inSp);
    const outSize = sizeOf(outSp);
    const kSize = sizeOf(kernel);
    // Per (output position, kernel offset): row-major input index (>= 0), -1 = padding (counts for
    // count_include_pad), -2 = past the padded extent (never counts).
    const table = new Int32Array(outSize * kSize);
    // the same positions with the spatial part in column-major order (storage_order = 1)
    const colMajor = new Int32Array(outSize * kSize);
    let t = 0;
    for (const o of multiIndex(outSp)) {
      for (const k of multiIndex(kernel)) {
        let flat = 0;
        let colFlat = 0;
        let colStride = 1;
        let state = 0; // 0 inside, 1 padding, 2 outside
        for (let a = 0; a < nSp; a++) {
          const pos = o[a]! * strides[a]! - padBegin[a]! + k[a]! * dilations[a]!;
          if (pos < -padBegin[a]! || pos >= inSp[a]! + padEnd[a]!) state = 2;
          else if ((pos < 0 || pos >= inSp[a]!) && state === 0) state = 1;
          flat = flat * inSp[a]! + pos;
          colFlat += pos * colStride;
          colStride *= inSp[a]!;
        }
        table[t] = state === 0 ? flat : state === 1 ? -1 : -2;
        colMajor[t] = colFlat;
        t++;
      }
    }
    const xd = x.data as Float64Array;
    const out = new Float64Array(N * C * outSize);
    const indices = wantIndices ? new BigInt64Array(N * C * outSize) : undefined;
    for (let nc = 0; nc < N * C; nc++) {
      const xBase = nc * inSize;
      for (let o = 0; o < outSize; o++) {
        const tb = o * kSize;
        if (mode === 'max') {
          let best = -Infinity;
          let bestK = -1;
          for (let k = 0; k < kSize; k++) {
            const idx = table[tb + k]!;
            if (idx < 0) continue;
            const v = xd[xBase + idx]!;
            if (bestK < 0 || v > best || (Number.isNaN(v) && !Number.isNaN(best))) {
              best = v;
              bestK = k;
            }
          }
          out[nc * outSize + o] = best;
          if (indices) {
            const spatial = bestK < 0 ? -1 : storageOrder === 1 ? colMajor[tb + bestK]! : table[tb + bestK]!;
            indices[nc * outSize + o] = BigInt(spatial < 0 ? -1 : xBase + spatial);
          }
        } else {
          let s = 0;
          let countValid = 0;
          let countPadded = 0;
          for (let k = 0; k < kSize; k++) {
            const idx = table[tb + k]!;
            if (idx === -2) continue;
            countPadded++;
            if (idx === -1) continue;
            countValid++;
            const v = xd[xBase + idx]!;
            s += mode === 'avg' ? v : Math.pow(Math.abs(v), p);
          }
          out[nc * outSize + o] = mode === 'avg' ? s / (includePad ? countPadded : countValid) : Math.pow(s, 1 / p);
        }
      }
    }
    const y: RefTensor = { dims: [N, C, ...outSp], data: out };
    return indices ? [y, { dims: [...y.dims], data: indices }] : [y];
  };
}

function globalPool(mode: Mode): OpImpl {
  return (ctx) => {
    const x = ctx.input(0);
    if (kindOf(x) !== 'float') return ctx.fail('expects a float input');
    if (x.dims.length < 3) return ctx.fail(`input of shape [${x.dims}] has no spatial dims`);
    const [N, C] = [x.dims[0]!, x.dims[1]!];
    const inSize = sizeOf(x.dims.slice(2));
    const p = ctx.attrs.int('p', 2);
    const xd = x.data as Float64Array;
    const out = new Float64Array(N * C);
    for (let nc = 0; nc < N * C; nc++) {
      let acc = mode === 'max' ? -Infinity : 0;
      for (let i = 0; i < inSize; i++) {
        const v = xd[nc * inSize + i]!;
        if (mode === 'max') acc = Number.isNaN(v) || v > acc ? v : acc;
        else acc += mode === 'avg' ? v : Math.pow(Math.abs(v), p);
      }
      out[nc] = mode === 'max' ? acc : mode === 'avg' ? acc / inSize : Math.pow(acc, 1 / p);
    }
    return [{ dims: [N, C, ...x.dims.slice(2).map(() => 1)], data: out }];
  };
}

export const ops: Record<string, OpImpl> = {
  MaxPool: pool('max'),
  AveragePool: pool('avg'),
  LpPool: pool('lp'),
  GlobalMaxPool: globalPool('max'),
  GlobalAveragePool: globalPool('avg'),
  GlobalLpPool: globalPool('lp'),
};
