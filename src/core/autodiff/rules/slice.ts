/**
 * Slice: y = x[start₀ : end₀ : step₀, …] on the listed axes (starts/ends/axes as attributes at opset < 10,
 * as int64 inputs with optional axes and steps from opset 10). Negative starts/ends count from the end,
 * ends such as INT64_MAX/INT64_MIN are clamped, as in the ONNX spec.
 * VJP: ∂L/∂x is zero except at the sliced positions p_j = start + j·step, where it equals g[j] — on each
 * sliced axis independently. Built from static shapes with Pad/Reshape/Slice only (no scatter):
 *   step s < 0: reverse g on that axis (Slice with step −1); the positions become lo + j·|s| with
 *               lo = start + (n−1)·s;
 *   |s| > 1:    interleave |s|−1 zeros after each element (Reshape to add an axis, Pad it to |s|,
 *               Reshape back) and trim to (n−1)·|s| + 1 elements;
 *   then one Pad with lo zeros before and dim − lo − length after, on all axes at once.
 * starts/ends/axes/steps must be constants (as they are in every exported CNN/ViT); otherwise a clear
 * error names the node.
 */
import { ConvlensError, ErrorCodes } from '../../errors.ts';
import type { GradContext, GradRule } from '../rule.ts';
import { normAxisChecked, optionalInput, padZeros, requireConstInts, reshape, slice, zeros } from '../emit-helpers.ts';

/** Per-axis slice parameters after the ONNX normalization: first index, step, count. */
export interface AxisSlice { axis: number; start: number; step: number; count: number }

/** Normalizes one axis of a Slice exactly like the ONNX reference (clamping included). */
export function normalizeSlice(start: number, end: number, step: number, dim: number): { start: number; count: number } {
  if (step === 0) throw new Error('Slice step 0');
  let s = start < 0 ? start + dim : start;
  let e = end < 0 ? end + dim : end;
  if (step > 0) {
    s = Math.min(Math.max(s, 0), dim);
    e = Math.min(Math.max(e, 0), dim);
  } else {
    s = Math.min(Math.max(s, 0), dim - 1);
    e = Math.min(Math.max(e, -1), dim - 1);
  }
  const count = Math.max(0, Math.ceil((e - s) / step));
  return { start: s, count };
}

function sliceParams(ctx: GradContext): AxisSlice[] {
  const x = ctx.node.input![0];
  const xs = ctx.shape(x);
  let starts: number[], ends: number[], axes: number[] | undefined, steps: number[] | undefined;
  if (ctx.opset < 10) {
    starts = ctx.attrInts('starts') ?? [];
    ends = ctx.attrInts('ends') ?? [];
    axes = ctx.attrInts('axes');
  } else {
    starts = requireConstInts(ctx, ctx.node.input![1], 'starts');
    ends = requireConstInts(ctx, ctx.node.input![2], 'ends');
    const a = optionalInput(ctx, 3), st = optionalInput(ctx, 4);
    axes = a === undefined ? undefined : requireConstInts(ctx, a, 'axes');
    steps = st === undefined ? undefined : requireConstInts(ctx, st, 'steps');
  }
  const ax = axes ?? starts.map((_, i) => i);
  return ax.map((a, i) => {
    const axis = normAxisChecked(ctx, a, xs.length);
    const step = steps?.[i] ?? 1;
    const n = normalizeSlice(starts[i], ends[i], step, xs[axis]);
    return { axis, start: n.start, step, count: n.count };
  });
}

export const sliceGrad: GradRule = {
  opType: 'Slice',
  differentiableInputs: [0],
  backward(ctx) {
    const out: (string | undefined)[] = new Array(ctx.node.input?.length ?? 1).fill(undefined);
    const g0 = ctx.gradOf(0);
    if (g0 === undefined || !ctx.needsGrad(0)) return out;
    const x = ctx.node.input![0];
    const xs = ctx.shape(x);
    const ys = ctx.shape(ctx.node.output![0]);
    const params = sliceParams(ctx);
    for (const p of params) {
      if (p.count !== ys[p.axis]) {
        throw new ConvlensError(ErrorCodes.INVALID_GRAPH,
          `Slice node "${ctx.node.name ?? ''}" (opset ${ctx.opset}): axis ${p.axis} should keep ${p.count} elements but its output has ${ys[p.axis]}`,
          { details: { opType: 'Slice', node: ctx.node.name } });
      }
    }
    let g = g0;
    const cur = [...ys];
    const pads = new Array<number>(2 * xs.length).fill(0);
    for (const { axis, start, step, count } of params) {
      if (count === 0) continue; // handled below: the gradient is all zeros
      let lo = start;
      const s = Math.abs(step);
      if (step < 0) {
        lo = start + (count - 1) * step;
        if (count > 1) g = slice(ctx, g, [-1], [-(count + 1)], [axis], [-1]);
      }
      let len = count;
      if (s > 1 && count > 1) {
        const withAxis = [...cur.slice(0, axis + 1), 1, ...cur.slice(axis + 1)];
        g = reshape(ctx, g, withAxis);
        const p = new Array<number>(2 * withAxis.length).fill(0);
        p[withAxis.length + axis + 1] = s - 1;
        g = padZeros(ctx, g, p);
        cur[axis] = count * s;
        g = reshape(ctx, g, cur);
        len = (count - 1) * s + 1;
        g = slice(ctx, g, [0], [len], [axis]);
        cur[axis] = len;
      }
      pads[axis] = lo;
      pads[xs.length + axis] = xs[axis] - lo - len;
    }
    if (params.some((p) => p.count === 0)) {
      out[0] = zeros(ctx, xs);
      return out;
    }
    out[0] = padZeros(ctx, g, pads);
    return out;
  },
};
