/**
 * Conv and ConvTranspose of the float64 reference evaluator, for any number of spatial dimensions:
 * groups (incl. depthwise), strides, dilations, explicit pads and auto_pad (SAME_UPPER, SAME_LOWER,
 * VALID), and for ConvTranspose output_padding and output_shape, all as the ONNX operator spec defines
 * them. Both are direct loops over a precomputed (output position × kernel offset) → input index table.
 */
import { kindOf, sizeOf } from './common.ts';
import type { OpContext, OpImpl, RefTensor } from './common.ts';

/** Iterates all multi-indices of `dims` in row-major order. */
function* multiIndex(dims: readonly number[]): Generator<number[]> {
  const n = sizeOf(dims);
  const idx = new Array<number>(dims.length).fill(0);
  for (let i = 0; i < n; i++) {
    yield idx;
    for (let a = dims.length - 1; a >= 0; a--) {
      if (++idx[a]! < dims[a]!) break;
      idx[a] = 0;
    }
  }
}

function spatialAttrs(ctx: OpContext, w: RefTensor, nSp: number): { kernel: number[]; strides: number[]; dilations: number[] } {
  const kernel = ctx.attrs.ints('kernel_shape') ?? w.dims.slice(2);
  if (kernel.length !== nSp) ctx.fail(`kernel_shape has ${kernel.length} entries for ${nSp} spatial dims`);
  const strides = ctx.attrs.ints('strides') ?? new Array<number>(nSp).fill(1);
  const dilations = ctx.attrs.ints('dilations') ?? new Array<number>(nSp).fill(1);
  if (strides.length !== nSp || dilations.length !== nSp) ctx.fail('strides/dilations do not match the number of spatial dims');
  return { kernel, strides, dilations };
}

/**
 * Conv output size and begin pads for one spatial axis, per the spec's auto_pad rules:
 * SAME_*: out = ceil(in / s), total pad = max(0, (out - 1)·s + (k - 1)·d + 1 − in), the odd pixel at the
 * end for SAME_UPPER and at the beginning for SAME_LOWER; VALID: no padding; NOTSET: the pads attribute.
 */
export function convOutput(
  ctx: OpContext, autoPad: string, inSp: number[], kernel: number[], strides: number[], dilations: number[],
): { outSp: number[]; padBegin: number[]; padEnd: number[] } {
  const nSp = inSp.length;
  let padBegin: number[];
  let padEnd: number[];
  const outSp: number[] = [];
  if (autoPad === 'SAME_UPPER' || autoPad === 'SAME_LOWER') {
    padBegin = [];
    padEnd = [];
    for (let i = 0; i < nSp; i++) {
      const out = Math.ceil(inSp[i]! / strides[i]!);
      const total = Math.max(0, (out - 1) * strides[i]! + (kernel[i]! - 1) * dilations[i]! + 1 - inSp[i]!);
      const small = Math.floor(total / 2);
      padBegin.push(autoPad === 'SAME_UPPER' ? small : total - small);
      padEnd.push(autoPad === 'SAME_UPPER' ? total - small : small);
      outSp.push(out);
    }
    return { outSp, padBegin, padEnd };
  }
  if (autoPad === 'VALID') {
    padBegin = new Array<number>(nSp).fill(0);
    padEnd = new Array<number>(nSp).fill(0);
  } else if (autoPad === 'NOTSET') {
    const pads = ctx.attrs.ints('pads') ?? new Array<number>(2 * nSp).fill(0);
    if (pads.length !== 2 * nSp) ctx.fail(`pads has ${pads.length} entries, expected ${2 * nSp}`);
    padBegin = pads.slice(0, nSp);
    padEnd = pads.slice(nSp);
  } else {
    return ctx.fail(`unknown auto_pad '${autoPad}'`);
  }
  for (let i = 0; i < nSp; i++) {
    const eff = (kernel[i]! - 1) * dilations[i]! + 1;
    outSp.push(Math.floor((inSp[i]! + padBegin[i]! + padEnd[i]! - eff) / strides[i]!) + 1);
  }
  if (outSp.some((o) => o <= 0)) ctx.fail(`output spatial shape [${outSp}] is empty for input [${inSp}]`);
  return { outSp, padBegin, padEnd };
}

const conv: OpImpl = (ctx) => {
  const x = ctx.input(0);
  const w = ctx.input(1);
  const b = ctx.inputs[2];
  if (kindOf(x) !== 'float' || kindOf(w) !== 'float') return ctx.fail('expects float X and W');
  const nSp = x.dims.length - 2;
  if (nSp < 1 || w.dims.length !== x.dims.length) return ctx.fail(`X [${x.dims}] and W [${w.dims}] ranks do not fit`);
  const group = ctx.attrs.int('group', 1);
  const [N, C] = [x.dims[0]!, x.dims[1]!];
  const M = w.dims[0]!;
  const Cg = w.dims[1]!;
  if (Cg * group !== C || M % group !== 0) return ctx.fail(`W [${w.dims}] does not fit C=${C} with group=${group}`);
  const Mg = M / group;
  const { kernel, strides, dilations } = spatialAttrs(ctx, w, nSp);
  const inSp = x.dims.slice(2);
  const { outSp, padBegin } = convOutput(ctx, ctx.attrs.string('auto_pad', 'NOTSET'), inSp, kernel, strides, dilations);
  const inSize = sizeOf(inSp);
  const outSize = sizeOf(outSp);
  const kSize = sizeOf(kernel);
  // table[o * kSize + k] = input spatial flat index, or -1 in the padding
  const table = new Int32Array(outSize * kSize).fill(-1);
  let t = 0;
  for (const o of multiIndex(outSp)) {
    for (const k of multiIndex(kernel)) {
      let flat = 0;
      let inside = true;
      for (let a = 0; a < nSp; a++) {
        const p = o[a]! * strides[a]! - padBegin[a]! + k[a]! * dilations[a]!;
        if (p < 0 || p >= inSp[a]!) {
          inside = false;
          break;
        }
        flat = flat * inSp[a]! + p;
      }
      table[t++] = inside ? flat : -1;
    }
  }
  const xd = x.data as Float64Array;
  const wd = w.data as Float64Array;
  const bd = b ? (b.data as Float64Array) : undefined;
  if (bd && bd.length !== M) return ctx.fail(`B has ${bd.length} values for ${M} output channels`);
  const out = new Float64Array(N * M * outSize);
  for (let n = 0; n < N; n++) {
    for (let g = 0; g < group; g++) {
      for (let m = 0; m < Mg; m++) {
        const oc = g * Mg + m;
        const yBase = (n * M + oc) * outSize;
        if (bd) for (let o = 0; o < outSize; o++) out[yBase + o] = bd[oc]!;
        for (let c = 0; c < Cg; c++) {
          const xBase = (n * C + g * Cg + c) * inSize;
          const wBase = (oc * Cg + c) * kSize;
          for (let o = 0; o < outSize; o++) {
            let s = 0;
            const tb = o * kSize;
            for (let k = 0; k < kSize; k++) {
              const idx = table[tb + k]!;
              if (idx >= 0) s += xd[xBase + idx]! * wd[wBase + k]!;
            }
            out[yBase + o]! += s;
          }
        }
      }
    }
  }
  return [{ dims: [N, M, ...outSp], data: out }];
};

/**
 * ConvTranspose output size and pads, per the spec: with output_shape (or SAME_* auto_pad, where
 * output_shape = in·stride) the total padding is s·(in − 1) + output_padding + (k − 1)·d + 1 − out,
 * split with the odd pixel at the end for SAME_UPPER and at the beginning otherwise; without them
 * the pads attribute applies (zero for VALID) and out = s·(in − 1) + output_padding + (k − 1)·d + 1 − pads.
 */
export function convTransposeOutput(
  ctx: OpContext, inSp: number[], kernel: number[], strides: number[], dilations: number[],
): { outSp: number[]; padBegin: number[] } {
  const nSp = inSp.length;
  const autoPad = ctx.attrs.string('auto_pad', 'NOTSET');
  const outputPadding = ctx.attrs.ints('output_padding') ?? new Array<number>(nSp).fill(0);
  if (outputPadding.length !== nSp) ctx.fail(`output_padding has ${outputPadding.length} entries for ${nSp} spatial dims`);
  let outputShape = ctx.attrs.ints('output_shape');
  if (outputShape && outputShape.length === nSp + 2) outputShape = outputShape.slice(2);
  if (outputShape && outputShape.length !== nSp) ctx.fail(`output_shape has ${outputShape.length} entries for ${nSp} spatial dims`);
  if (!['NOTSET', 'VALID', 'SAME_UPPER', 'SAME_LOWER'].includes(autoPad)) ctx.fail(`unknown auto_pad '${autoPad}'`);
  const full = (i: number): number => strides[i]! * (inSp[i]! - 1) + outputPadding[i]! + (kernel[i]! - 1) * dilations[i]! + 1;
  if (outputShape || autoPad === 'SAME_UPPER' || autoPad === 'SAME_LOWER') {
    const outSp = outputShape ?? inSp.map((v, i) => v * strides[i]!);
    const padBegin = outSp.map((o, i) => {
      const total = full(i) - o;
      const half = Math.floor(total / 2);
      return autoPad === 'SAME_UPPER' ? half : total - half;
    });
    return { outSp, padBegin };
  }
  const pads = autoPad === 'VALID' ? new Array<number>(2 * nSp).fill(0) : ctx.attrs.ints('pads') ?? new Array<number>(2 * nSp).fill(0);
  if (pads.length !== 2 * nSp) ctx.fail(`pads has ${pads.length} entries, expected ${2 * nSp}`);
  const outSp = inSp.map((_, i) => full(i) - pads[i]! - pads[nSp + i]!);
  if (outSp.some((o) => o <= 0)) ctx.fail(`output spatial shape [${outSp}] is empty`);
  return { outSp, padBegin: pads.slice(0, nSp) };
}

const convTranspose: OpImpl = (ctx) => {
  const x = ctx.input(0);
  const w = ctx.input(1);
  const b = ctx.inputs[2];
  if (kindOf(x) !== 'float' || kindOf(w) !== 'float') return ctx.fail('expects float X and W');
  const nSp = x.dims.length - 2;
  if (nSp < 1 || w.dims.length !== x.dims.length) return ctx.fail(`X [${x.dims}] and W [${w.dims}] ranks do not fit`);
  const group = ctx.attrs.int('group', 1);
  const [N, C] = [x.dims[0]!, x.dims[1]!];
  if (w.dims[0] !== C || C % group !== 0) return ctx.fail(`W [${w.dims}] does not fit C=${C} with group=${group}`);
  const Cg = C / group;
  const Mg = w.dims[1]!;
  const M = Mg * group;
  const { kernel, strides, dilations } = spatialAttrs(ctx, w, nSp);
  const inSp = x.dims.slice(2);
  const { outSp, padBegin } = convTransposeOutput(ctx, inSp, kernel, strides, dilations);
  const inSize = sizeOf(inSp);
  const outSize = sizeOf(outSp);
  const kSize = sizeOf(kernel);
  // table[i * kSize + k] = output spatial flat index hit by input i through kernel offset k, or -1
  const table = new Int32Array(inSize * kSize).fill(-1);
  let t = 0;
  for (const i of multiIndex(inSp)) {
    for (const k of multiIndex(kernel)) {
      let flat = 0;
      let inside = true;
      for (let a = 0; a < nSp; a++) {
        const p = i[a]! * strides[a]! - padBegin[a]! + k[a]! * dilations[a]!;
        if (p < 0 || p >= outSp[a]!) {
          inside = false;
          break;
        }
        flat = flat * outSp[a]! + p;
      }
      table[t++] = inside ? flat : -1;
    }
  }
  const xd = x.data as Float64Array;
  const wd = w.data as Float64Array;
  const bd = b ? (b.data as Float64Array) : undefined;
  if (bd && bd.length !== M) return ctx.fail(`B has ${bd.length} values for ${M} output channels`);
  const out = new Float64Array(N * M * outSize);
  for (let n = 0; n < N; n++) {
    for (let g = 0; g < group; g++) {
      for (let m = 0; m < Mg; m++) {
        const oc = g * Mg + m;
        const yBase = (n * M + oc) * outSize;
        if (bd) for (let o = 0; o < outSize; o++) out[yBase + o] = bd[oc]!;
        for (let c = 0; c < Cg; c++) {
          const ic = g * Cg + c;
          const xBase = (n * C + ic) * inSize;
          const wBase = (ic * Mg + m) * kSize;
          for (let i = 0; i < inSize; i++) {
            const xv = xd[xBase + i]!;
            const tb = i * kSize;
            for (let k = 0; k < kSize; k++) {
              const o = table[tb + k]!;
              if (o >= 0) out[yBase + o]! += xv * wd[wBase + k]!;
            }
          }
        }
      }
    }
  }
  return [{ dims: [N, M, ...outSp], data: out }];
};

export const ops: Record<string, OpImpl> = { Conv: conv, ConvTranspose: convTranspose };
export { multiIndex };
