/**
 * Opset-aware builders that backward rules share. Several ONNX ops changed form across opsets
 * (ReduceSum axes: attribute → input at 13; Unsqueeze/Squeeze at 13; Pad at 11; Slice at 10;
 * ReduceMean/ReduceMax at 18); these helpers emit the form valid at `ctx.onnxOpset`, so a rule never
 * raises the model's opset and every forward op keeps its meaning. Every emitted op exists in both
 * onnxruntime-node and onnxruntime-web (wasm) CPU kernels.
 */
import type { GradContext } from './rule.ts';

/** Normalizes negative axes against a rank. */
export function normAxis(axis: number, rank: number): number {
  return axis < 0 ? axis + rank : axis;
}

/** Product of dims. */
export function numel(dims: readonly number[]): number {
  let n = 1;
  for (const d of dims) n *= d;
  return n;
}

/** Reshape to static dims. */
export function reshape(ctx: GradContext, x: string, dims: readonly number[]): string {
  return ctx.emit('Reshape', [x, ctx.constInt64([...dims])]);
}

/** ReduceSum over `axes` (identity when axes is empty). */
export function reduceSum(ctx: GradContext, x: string, axes: readonly number[], keepdims: boolean): string {
  if (axes.length === 0) return x;
  if (ctx.onnxOpset >= 13) return ctx.emit('ReduceSum', [x, ctx.constInt64([...axes])], { keepdims: keepdims ? 1 : 0 });
  return ctx.emit('ReduceSum', [x], { axes: [...axes], keepdims: keepdims ? 1 : 0 });
}

/** Unsqueeze at `axes` (of the output). */
export function unsqueeze(ctx: GradContext, x: string, axes: readonly number[]): string {
  if (axes.length === 0) return x;
  if (ctx.onnxOpset >= 13) return ctx.emit('Unsqueeze', [x, ctx.constInt64([...axes])]);
  return ctx.emit('Unsqueeze', [x], { axes: [...axes] });
}

/** Squeeze `axes`. */
export function squeeze(ctx: GradContext, x: string, axes: readonly number[]): string {
  if (axes.length === 0) return x;
  if (ctx.onnxOpset >= 13) return ctx.emit('Squeeze', [x, ctx.constInt64([...axes])]);
  return ctx.emit('Squeeze', [x], { axes: [...axes] });
}

/** Transpose with a permutation (identity permutations emit nothing). */
export function transpose(ctx: GradContext, x: string, perm: readonly number[]): string {
  if (perm.every((p, i) => p === i)) return x;
  return ctx.emit('Transpose', [x], { perm: [...perm] });
}

/** Inverse of a permutation. */
export function invertPerm(perm: readonly number[]): number[] {
  const inv = new Array<number>(perm.length);
  perm.forEach((p, i) => (inv[p] = i));
  return inv;
}

/**
 * Sums a gradient of shape `from` down to the broadcast source shape `to` (numpy broadcasting:
 * leading dims dropped, size-1 dims summed with keepdims), then reshapes to exactly `to`.
 */
export function sumToShape(ctx: GradContext, g: string, from: readonly number[], to: readonly number[]): string {
  const lead = from.length - to.length;
  const axes: number[] = [];
  for (let i = 0; i < from.length; i++) {
    if (i < lead) axes.push(i);
    else if (to[i - lead] === 1 && from[i] !== 1) axes.push(i);
  }
  if (axes.length === 0 && lead === 0) return g;
  const r = reduceSum(ctx, g, axes, true);
  if (from.length === to.length) return r;
  return reshape(ctx, r, to);
}

/**
 * Pads with zeros (or `mode` 'reflect'/'edge'); `pads` is ONNX-ordered [begin..., end...] over all axes.
 * Negative entries crop. Emits nothing when all pads are 0.
 */
export function pad(ctx: GradContext, x: string, pads: readonly number[], mode: 'constant' | 'reflect' | 'edge' = 'constant'): string {
  if (pads.every((p) => p === 0)) return x;
  if (ctx.onnxOpset >= 11) {
    const inputs = [x, ctx.constInt64([...pads])];
    return ctx.emit('Pad', inputs, { mode });
  }
  return ctx.emit('Pad', [x], { mode, pads: [...pads] });
}

/** Slice with static starts/ends/axes (steps 1 unless given; steps ≠ 1 need opset ≥ 10). */
export function slice(ctx: GradContext, x: string, starts: readonly number[], ends: readonly number[], axes: readonly number[], steps?: readonly number[]): string {
  if (ctx.onnxOpset >= 10) {
    const inputs = [x, ctx.constInt64([...starts]), ctx.constInt64([...ends]), ctx.constInt64([...axes])];
    if (steps) inputs.push(ctx.constInt64([...steps]));
    return ctx.emit('Slice', inputs);
  }
  if (steps && steps.some((s) => s !== 1)) throw new Error('slice: steps need opset >= 10');
  return ctx.emit('Slice', [x], { starts: [...starts], ends: [...ends], axes: [...axes] });
}

/**
 * Crops or zero-pads the trailing `spatial.length` axes of `x` (current sizes `have`) to `want`,
 * at the end of each axis. Used to fit a ConvTranspose result to an exact target size.
 */
export function fitEnd(ctx: GradContext, x: string, rank: number, have: readonly number[], want: readonly number[]): string {
  const k = have.length;
  const first = rank - k;
  const cropAxes: number[] = [];
  const cropEnds: number[] = [];
  const pads = new Array<number>(2 * rank).fill(0);
  let anyPad = false;
  for (let i = 0; i < k; i++) {
    if (have[i]! > want[i]!) {
      cropAxes.push(first + i);
      cropEnds.push(want[i]!);
    } else if (have[i]! < want[i]!) {
      pads[rank + first + i] = want[i]! - have[i]!;
      anyPad = true;
    }
  }
  let y = x;
  if (cropAxes.length) y = slice(ctx, y, cropAxes.map(() => 0), cropEnds, cropAxes);
  if (anyPad) y = pad(ctx, y, pads);
  return y;
}

/** A zero tensor of `dims` in the backward float type. */
export function zeros(ctx: GradContext, dims: readonly number[]): string {
  return ctx.emit('Expand', [ctx.constFloat(0), ctx.constInt64([...dims])]);
}

/** Broadcasts `x` to `dims` (Expand). */
export function expand(ctx: GradContext, x: string, dims: readonly number[]): string {
  return ctx.emit('Expand', [x, ctx.constInt64([...dims])]);
}
