/**
 * Convolution geometry shared by the Conv, ConvTranspose, MaxPool and AveragePool backward rules:
 * resolving auto_pad into explicit begin/end pads, the input gradient of a (grouped, strided, dilated,
 * asymmetrically padded) convolution as a ConvTranspose whose pads/output_padding reproduce the input
 * size exactly (stride remainders included), and the weight gradient as a Conv over transposed tensors.
 *
 * Math (one spatial axis; the others are independent): y[o] = Σ_k w[k]·x[o·s + k·d − pb].
 *  - ∂/∂x: x̄[i] = Σ_{o,k: o·s+k·d−pb=i} ȳ[o]·w[k] = ConvTranspose(ȳ, w; s, d, pads) cropped/padded to
 *    the input length (output_padding r = S + pb + pe − ((k−1)d+1) − s(O−1) ∈ [0, s) covers the rows the
 *    last window never reached).
 *    For stride 1 (every axis) the same sum is a plain correlation: with j = K−1−k,
 *    x̄[i] = Σ_j w[K−1−j]·ȳ[i + j·d − pb′], pb′ = (K−1)d − pb, pe′ = S − O + pb (= (K−1)d − pe), i.e.
 *    Conv(ȳ, w′) with w′ the spatially flipped kernel whose in/out channels are swapped within each
 *    group (w′[g·Cg + c, m] = flip(w[g·Mg + m, c])), same dilations and group. ONNX Runtime runs that
 *    as an ordinary (NCHWc, depthwise-capable) Conv at 0.8–1.4× the forward instead of ConvTranspose's
 *    GEMM + col2im at 1.3–6.5× (bench/conv-backward.ts); for strides > 1 ConvTranspose stays the fastest
 *    form measured. w′ is computed in the graph (Reshape/Transpose/Gather of w): ONNX Runtime folds it
 *    into an initializer at session creation when w is constant, and it still works when w is fed.
 *  - ∂/∂w: w̄[m,c,k] = Σ_{n,o} ȳ[n,m,o]·x[n,c,o·s+k·d−pb] = a Conv of x (batch ↔ channel swapped) with
 *    ȳ as the kernel, stride d, dilation s, same pads (groups: input channels regrouped as (g, N)).
 */
import { fitEnd, reduceSum, reshape, slice, transpose } from '../emit-helpers.ts';
import type { GradContext } from '../rule.ts';

export interface ConvGeometry {
  nSp: number;
  kernel: number[];
  strides: number[];
  dilations: number[];
  begin: number[];
  end: number[];
}

/**
 * Explicit begin/end pads from `auto_pad`/`pads` for input sizes `inSp` (ONNX Conv/pool semantics:
 * SAME_* → output ceil(in/s), the odd pixel at the end for SAME_UPPER, at the start for SAME_LOWER).
 */
export function resolvePads(ctx: GradContext, inSp: number[], kernel: number[], strides: number[], dilations: number[]): { begin: number[]; end: number[] } {
  const nSp = inSp.length;
  const autoPad = ctx.attrString('auto_pad', 'NOTSET');
  if (autoPad === 'VALID') return { begin: new Array(nSp).fill(0), end: new Array(nSp).fill(0) };
  if (autoPad === 'SAME_UPPER' || autoPad === 'SAME_LOWER') {
    const begin: number[] = [];
    const end: number[] = [];
    for (let i = 0; i < nSp; i++) {
      const out = Math.ceil(inSp[i]! / strides[i]!);
      const total = Math.max(0, (out - 1) * strides[i]! + (kernel[i]! - 1) * dilations[i]! + 1 - inSp[i]!);
      const small = Math.floor(total / 2);
      if (autoPad === 'SAME_UPPER') {
        begin.push(small);
        end.push(total - small);
      } else {
        begin.push(total - small);
        end.push(small);
      }
    }
    return { begin, end };
  }
  const pads = ctx.attrInts('pads') ?? new Array(2 * nSp).fill(0);
  return { begin: pads.slice(0, nSp), end: pads.slice(nSp, 2 * nSp) };
}

/** kernel_shape/strides/dilations/pads of a Conv-like node. */
export function convGeometry(ctx: GradContext, inSp: number[], kernelFromWeight?: number[]): ConvGeometry {
  const nSp = inSp.length;
  const kernel = ctx.attrInts('kernel_shape') ?? kernelFromWeight;
  if (!kernel) throw new Error(`${ctx.node.opType}: kernel_shape unknown`);
  const strides = ctx.attrInts('strides') ?? new Array(nSp).fill(1);
  const dilations = ctx.attrInts('dilations') ?? new Array(nSp).fill(1);
  const { begin, end } = resolvePads(ctx, inSp, kernel, strides, dilations);
  return { nSp, kernel, strides, dilations, begin, end };
}

/**
 * x̄ sized exactly to `inSp`, for ȳ [N, M, *outSp] and `w` in Conv layout [M, C/group, *k] (`wShape`;
 * which is ConvTranspose's [C_in, C_out/group, *k] for ȳ's M channels). Stride 1 on every axis: a Conv
 * with the flipped, per-group in/out-swapped kernel ({@link flippedKernel}); otherwise (or when a pad
 * exceeds the kernel's reach, so the correlation would need negative pads) ConvTranspose. Works for
 * pooling windows that run past the end (ceil_mode): a negative output_padding becomes extra end
 * cropping.
 */
export function convInputGrad(ctx: GradContext, dy: string, w: string, wShape: readonly number[], g: ConvGeometry, group: number, rank: number, inSp: number[], outSp: number[]): string {
  if (g.strides.every((s) => s === 1)) {
    const reach = g.kernel.map((k, i) => (k - 1) * g.dilations[i]!);
    const pb = reach.map((r, i) => r - g.begin[i]!);
    const pe = inSp.map((s, i) => s - outSp[i]! + g.begin[i]!);
    if ([...pb, ...pe].every((p) => p >= 0)) {
      return ctx.emit('Conv', [dy, flippedKernel(ctx, w, wShape, group)], { kernel_shape: g.kernel, dilations: g.dilations, pads: [...pb, ...pe], group });
    }
  }
  const padsEnd: number[] = [];
  const outPad: number[] = [];
  const fit: boolean[] = [];
  for (let i = 0; i < g.nSp; i++) {
    const natural = g.strides[i]! * (outSp[i]! - 1) + (g.kernel[i]! - 1) * g.dilations[i]! + 1 - g.begin[i]! - g.end[i]!;
    const r = inSp[i]! - natural;
    if (r < 0) {
      padsEnd.push(g.end[i]! - r);
      outPad.push(0);
      fit.push(false);
    } else if (r < g.strides[i]!) {
      padsEnd.push(g.end[i]!);
      outPad.push(r);
      fit.push(false);
    } else {
      padsEnd.push(g.end[i]!);
      outPad.push(0);
      fit.push(true);
    }
  }
  // ConvTranspose cannot crop at the start beyond the kernel reach; pads are always ≥ 0 here.
  const attrs: Record<string, number[] | number> = { kernel_shape: g.kernel, strides: g.strides, dilations: g.dilations, pads: [...g.begin, ...padsEnd], group };
  if (outPad.some((p) => p !== 0)) attrs.output_padding = outPad;
  let dx = ctx.emit('ConvTranspose', [dy, w], attrs);
  if (fit.some(Boolean)) {
    const have = inSp.map((s, i) => (fit[i] ? g.strides[i]! * (outSp[i]! - 1) + (g.kernel[i]! - 1) * g.dilations[i]! + 1 - g.begin[i]! - padsEnd[i]! : s));
    dx = fitEnd(ctx, dx, rank, have, inSp);
  }
  return dx;
}

/**
 * The kernel of the stride-1 input gradient as a Conv: w′ [C, M/group, *k] with
 * w′[g·Cg + c, m, *k] = w[g·Mg + m, c, *(K−1−k)] for w [M, Cg, *K] (Mg = M/group). The channel swap is
 * a Reshape [group, Mg, Cg, *K] → Transpose → Reshape (a Reshape alone when Mg or Cg is 1, e.g.
 * depthwise; nothing when both are), the flip one Gather with reversed indices per spatial axis longer
 * than 1 (valid at every opset). All of it folds to a constant in ONNX Runtime when w is constant.
 */
export function flippedKernel(ctx: GradContext, w: string, wShape: readonly number[], group: number): string {
  const [M, Cg] = wShape as [number, number];
  const k = wShape.slice(2);
  const Mg = M / group;
  let r = w;
  if (Mg !== 1 && Cg !== 1) {
    const sp = k.map((_, i) => i + 3);
    r = group === 1 ? transpose(ctx, r, [1, 0, ...sp.map((a) => a - 1)]) : reshape(ctx, transpose(ctx, reshape(ctx, r, [group, Mg, Cg, ...k]), [0, 2, 1, ...sp]), [Cg * group, Mg, ...k]);
  } else if (Mg !== Cg) {
    r = reshape(ctx, r, [Cg * group, Mg, ...k]);
  }
  k.forEach((K, i) => {
    if (K > 1) r = ctx.emit('Gather', [r, ctx.constInt64(Array.from({ length: K }, (_, j) => K - 1 - j))], { axis: i + 2 });
  });
  return r;
}

/**
 * w̄ [M, C/group, *k] of y = Conv(x, w) given ȳ [N, M, *O], x [N, C, *S] and the (non-negative) pads.
 */
export function convWeightGrad(ctx: GradContext, x: string, dy: string, g: ConvGeometry, group: number, xShape: number[], dyShape: number[]): string {
  const [N, C] = xShape as [number, number];
  const M = dyShape[1]!;
  const S = xShape.slice(2);
  const Cg = C / group;
  const sp = Array.from({ length: g.nSp }, (_, i) => i + 3);
  // x → [Cg, group·N, *S]  (batch ↔ channel swapped, channels ordered (group, n))
  let xr: string;
  if (N === 1 && group === 1) {
    xr = transpose(ctx, x, [1, 0, ...sp.map((a) => a - 1)]);
  } else {
    const x5 = reshape(ctx, x, [N, group, Cg, ...S]);
    const xt = transpose(ctx, x5, [2, 1, 0, ...sp]);
    xr = reshape(ctx, xt, [Cg, group * N, ...S]);
  }
  const dyt = transpose(ctx, dy, [1, 0, ...sp.map((a) => a - 1)]); // [M, N, *O]
  let r = ctx.emit('Conv', [xr, dyt], {
    kernel_shape: dyShape.slice(2),
    strides: g.dilations,
    dilations: g.strides,
    pads: [...g.begin, ...g.end],
    group,
  }); // [Cg, M, *K']
  const kOut = S.map((s, i) => Math.floor((s + g.begin[i]! + g.end[i]! - ((dyShape[2 + i]! - 1) * g.strides[i]! + 1)) / g.dilations[i]!) + 1);
  if (kOut.some((k, i) => k !== g.kernel[i]!)) {
    const axes = g.kernel.map((_, i) => i + 2);
    r = slice(ctx, r, axes.map(() => 0), g.kernel, axes);
  }
  return transpose(ctx, r, [1, 0, ...sp.map((a) => a - 1)]);
}

/** Sum of ȳ over every axis but the channel axis 1 (bias gradient). */
export function channelSum(ctx: GradContext, dy: string, rank: number): string {
  return reduceSum(ctx, dy, [0, ...Array.from({ length: rank - 2 }, (_, i) => i + 2)], false);
}
