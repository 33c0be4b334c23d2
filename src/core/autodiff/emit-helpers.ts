/**
 * Opset-aware builders and small helpers that backward rules share (the one module for them). Several
 * ONNX ops changed form across opsets (ReduceSum axes: attribute → input at 13; Unsqueeze/Squeeze at 13; Pad at 11; Slice at 10;
 * ReduceMean/ReduceMax at 18; Where from 9; GreaterOrEqual/LessOrEqual from 12; float Equal from 11);
 * these helpers read `ctx.onnxOpset` and emit the form valid there, so a rule never raises the model's
 * opset and every forward op keeps its meaning. Every emitted op exists in both onnxruntime-node and
 * onnxruntime-web (wasm) CPU kernels, for float32 and float64.
 */
import { ConvlensError, ErrorCodes } from '../errors.ts';
import type { GradContext } from './rule.ts';

/** Normalizes negative axes against a rank. */
export function normAxis(axis: number, rank: number): number {
  return axis < 0 ? axis + rank : axis;
}

/**
 * Normalizes a possibly negative axis of the forward node against `rank` (ONNX convention), throwing
 * E_INVALID_GRAPH naming the node when it is out of range.
 */
export function normAxisChecked(ctx: GradContext, axis: number, rank: number): number {
  const a = axis < 0 ? axis + rank : axis;
  if (a < 0 || a >= Math.max(rank, 1)) {
    throw new ConvlensError(ErrorCodes.INVALID_GRAPH, `${ctx.node.opType} node "${ctx.node.name ?? ''}": axis ${axis} is out of range for rank ${rank}`, {
      details: { opType: ctx.node.opType, node: ctx.node.name, axis, rank },
    });
  }
  return a;
}

/** Product of dims. */
export function numel(dims: readonly number[]): number {
  let n = 1;
  for (const d of dims) n *= d;
  return n;
}

function sameShape(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}

/**
 * Reshape `x` to static `dims` (skipped when `from`, the current shape, is given and already equal).
 * A rank-0 target from an all-ones `from` is reached with Squeeze (no axes: valid at every opset)
 * rather than Reshape with an empty int64 shape tensor, which some ONNX readers mishandle.
 */
export function reshape(ctx: GradContext, x: string, dims: readonly number[], from?: readonly number[]): string {
  if (from && sameShape(from, dims)) return x;
  if (dims.length === 0 && from && from.every((d) => d === 1)) return ctx.emit('Squeeze', [x]);
  return ctx.emit('Reshape', [x, ctx.constInt64([...dims])]);
}

/**
 * ReduceSum of `x` over `axes` (non-negative, any order; emitted ascending). With no axes returns `x`
 * unchanged (ReduceSum with an empty axes input would reduce everything, or nothing with
 * noop_with_empty_axes).
 */
export function reduceSum(ctx: GradContext, x: string, axes: readonly number[], keepdims: boolean): string {
  if (axes.length === 0) return x;
  const sorted = [...axes].sort((a, b) => a - b);
  const kd = keepdims ? 1 : 0;
  if (ctx.onnxOpset >= 13) return ctx.emit('ReduceSum', [x, ctx.constInt64(sorted)], { keepdims: kd });
  return ctx.emit('ReduceSum', [x], { axes: sorted, keepdims: kd });
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

/**
 * Zero padding that may only grow `x`: like {@link pad} in 'constant' mode, but a negative entry (a
 * crop) is a caller bug and throws.
 */
export function padZeros(ctx: GradContext, x: string, pads: readonly number[]): string {
  if (pads.some((p) => p < 0)) throw new Error(`padZeros: negative pad in [${pads.join(', ')}]`);
  return pad(ctx, x, pads);
}

/**
 * Slice of `x` with explicit, already-normalized starts/ends/axes. `steps` is optional and only emitted
 * when some step is not 1; a step other than 1 needs opset >= 10 (the first Slice with a steps input).
 */
export function slice(
  ctx: GradContext, x: string, starts: readonly number[], ends: readonly number[], axes: readonly number[], steps?: readonly number[],
): string {
  const hasSteps = steps !== undefined && steps.some((s) => s !== 1);
  if (ctx.onnxOpset < 10) {
    if (hasSteps) throw new ConvlensError(ErrorCodes.UNSUPPORTED_OP, `Slice with steps needs opset >= 10 (model opset ${ctx.onnxOpset})`);
    return ctx.emit('Slice', [x], { starts: [...starts], ends: [...ends], axes: [...axes] });
  }
  const ins = [x, ctx.constInt64([...starts]), ctx.constInt64([...ends]), ctx.constInt64([...axes])];
  if (hasSteps) ins.push(ctx.constInt64([...steps!]));
  return ctx.emit('Slice', ins);
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

/** A zero tensor of `dims` in the backward float type (the scalar constant itself when `dims` is []). */
export function zeros(ctx: GradContext, dims: readonly number[]): string {
  if (dims.length === 0) return ctx.constFloat(0);
  return ctx.emit('Expand', [ctx.constFloat(0), ctx.constInt64([...dims])]);
}

/** Broadcasts `x` to `dims` (Expand). */
export function expand(ctx: GradContext, x: string, dims: readonly number[]): string {
  return ctx.emit('Expand', [x, ctx.constInt64([...dims])]);
}

/**
 * Elementwise `cond ? a : b` on float tensors, `undefined` standing for 0. Where exists from opset 9;
 * before that (Clip/Relu/... in opset 7–8 models) it is spelled a·float(cond) + b·float(¬cond).
 */
export function select(ctx: GradContext, cond: string, a: string | undefined, b: string | undefined): string {
  if (ctx.onnxOpset >= 9) return ctx.emit('Where', [cond, a ?? ctx.constFloat(0), b ?? ctx.constFloat(0)]);
  const f = (c: string): string => ctx.emit('Cast', [c], { to: floatDataType(ctx.floatType) });
  const ta = a === undefined ? undefined : ctx.emit('Mul', [a, f(cond)]);
  const tb = b === undefined ? undefined : ctx.emit('Mul', [b, f(ctx.emit('Not', [cond]))]);
  if (ta && tb) return ctx.emit('Add', [ta, tb]);
  return ta ?? tb ?? ctx.emit('Mul', [ctx.constFloat(0), f(cond)]);
}

/**
 * The upstream gradient `g` where the boolean `mask` holds and 0 elsewhere, spelled g·float(mask)
 * (Cast + Mul): ONNX Runtime runs that several times faster than Where(mask, g, 0), whose scalar-zero
 * branch takes the generic broadcasting path (bench/README.md), and it exists at every opset.
 * Unlike {@link select}, a non-finite g at a masked-out position gives NaN (±∞·0 = NaN, as an
 * upstream NaN or ∞ would reach most of the input through the next Conv anyway), so use it only to
 * gate an upstream gradient — never to hide a locally computed ∞/NaN (Pow's log 0 uses `select`).
 */
export function maskGrad(ctx: GradContext, mask: string, g: string): string {
  return ctx.emit('Mul', [g, ctx.emit('Cast', [mask], { to: floatDataType(ctx.floatType) })]);
}

/** Boolean `a >= b` at every opset (GreaterOrEqual only exists from opset 12). */
export function greaterOrEqual(ctx: GradContext, a: string, b: string): string {
  return ctx.onnxOpset >= 12 ? ctx.emit('GreaterOrEqual', [a, b]) : ctx.emit('Not', [ctx.emit('Less', [a, b])]);
}

/** Boolean `a <= b` at every opset (LessOrEqual only exists from opset 12). */
export function lessOrEqual(ctx: GradContext, a: string, b: string): string {
  return ctx.onnxOpset >= 12 ? ctx.emit('LessOrEqual', [a, b]) : ctx.emit('Not', [ctx.emit('Greater', [a, b])]);
}

/** ONNX TensorProto.DataType code of a float element type. */
export function floatDataType(t: 'float32' | 'float64'): number {
  return t === 'float32' ? 1 : 11;
}

/** Whether a forward tensor is of a float type that gradients flow through. */
export function isFloat(ctx: GradContext, tensor: string): boolean {
  const t = ctx.elemType(tensor);
  return t === 'float32' || t === 'float64';
}

/** Input `i` of the forward node, or undefined when absent or given as '' (an omitted optional input). */
export function optionalInput(ctx: GradContext, i: number): string | undefined {
  const name = ctx.node.input?.[i];
  return name === undefined || name === '' ? undefined : name;
}

/**
 * The values of a constant int input (Slice starts, Reshape shape, Split sizes...), or a clear error
 * naming the node when the compiler could not fold it to a constant.
 */
export function requireConstInts(ctx: GradContext, tensor: string, what: string): number[] {
  const v = ctx.constValue(tensor);
  if (!v) {
    throw new ConvlensError(ErrorCodes.UNSUPPORTED_OP,
      `${ctx.node.opType} node "${ctx.node.name ?? ''}" (opset ${ctx.opset}): its ${what} ("${tensor}") is only known at run time; its gradient needs it as a constant`,
      { hint: 'export the model with fixed input shapes (or constant-fold it) so that this input becomes a constant', details: { opType: ctx.node.opType, node: ctx.node.name, tensor } });
  }
  return v.values.map((x) => Number(x));
}

/** Boolean `x == 0` for a float tensor at every opset (Equal takes floats only from opset 11). */
export function isZero(ctx: GradContext, x: string): string {
  const zero = ctx.constFloat(0);
  if (ctx.onnxOpset >= 11) return ctx.emit('Equal', [x, zero]);
  return ctx.emit('Not', [ctx.emit('Or', [ctx.emit('Less', [x, zero]), ctx.emit('Greater', [x, zero])])]);
}

/** `x` cast to the backward float type when it is not already a float tensor of that type. */
export function asFloat(ctx: GradContext, x: string): string {
  return ctx.elemType(x) === ctx.floatType ? x : ctx.emit('Cast', [x], { to: floatDataType(ctx.floatType) });
}
