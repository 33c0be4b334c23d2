/**
 * Opset-aware emitters for the handful of shape/reduction ops that backward rules need, so a rule can
 * say "ReduceSum over these axes" without caring whether the model's opset takes the axes as an
 * attribute (ReduceSum < 13, Squeeze/Unsqueeze < 13, Slice < 10, Pad < 11) or as an int64 input.
 * Every helper reads `ctx.onnxOpset` and emits only ops and forms that onnxruntime-node and
 * onnxruntime-web (wasm) both run at that opset, for float32 and float64.
 */
import { ConvlensError, ErrorCodes } from '../../../errors.ts';
import type { GradContext } from '../../rule.ts';

/** Number of elements of a static shape. */
export function numel(shape: readonly number[]): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

/** Normalizes a possibly negative axis against `rank` (ONNX convention), checking the range. */
export function normAxis(ctx: GradContext, axis: number, rank: number): number {
  const a = axis < 0 ? axis + rank : axis;
  if (a < 0 || a >= Math.max(rank, 1)) {
    throw new ConvlensError(ErrorCodes.INVALID_GRAPH, `${ctx.node.opType} node "${ctx.node.name ?? ''}": axis ${axis} is out of range for rank ${rank}`, {
      details: { opType: ctx.node.opType, node: ctx.node.name, axis, rank },
    });
  }
  return a;
}

function sameShape(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}

/**
 * Reshape `x` to a static `shape` (skipped when `from` is given and already equal). A rank-0 target is
 * reached with Squeeze (no axes: valid at every opset) rather than Reshape with an empty int64 shape
 * tensor, which some ONNX readers mishandle.
 */
export function reshape(ctx: GradContext, x: string, shape: readonly number[], from?: readonly number[]): string {
  if (from && sameShape(from, shape)) return x;
  if (shape.length === 0 && from && from.every((d) => d === 1)) return ctx.emit('Squeeze', [x]);
  return ctx.emit('Reshape', [x, ctx.constInt64([...shape])]);
}

/**
 * ReduceSum of `x` over `axes` (non-negative, any order). With no axes returns `x` unchanged (ReduceSum
 * with an empty axes input would reduce everything, or nothing with noop_with_empty_axes).
 */
export function reduceSum(ctx: GradContext, x: string, axes: readonly number[], keepdims: boolean): string {
  if (axes.length === 0) return x;
  const sorted = [...axes].sort((a, b) => a - b);
  const kd = keepdims ? 1 : 0;
  if (ctx.onnxOpset >= 13) return ctx.emit('ReduceSum', [x, ctx.constInt64(sorted)], { keepdims: kd });
  return ctx.emit('ReduceSum', [x], { axes: { ints: sorted }, keepdims: kd });
}

/**
 * Slice of `x` with explicit, already-normalized starts/ends (steps optional; a step other than 1
 * needs opset >= 10, which is also the first opset whose Slice can have steps).
 */
export function slice(
  ctx: GradContext, x: string, starts: readonly number[], ends: readonly number[], axes: readonly number[], steps?: readonly number[],
): string {
  const hasSteps = steps !== undefined && steps.some((s) => s !== 1);
  if (ctx.onnxOpset < 10) {
    if (hasSteps) throw new ConvlensError(ErrorCodes.UNSUPPORTED_OP, `Slice with steps needs opset >= 10 (model opset ${ctx.onnxOpset})`);
    return ctx.emit('Slice', [x], { starts: { ints: [...starts] }, ends: { ints: [...ends] }, axes: { ints: [...axes] } });
  }
  const ins = [x, ctx.constInt64([...starts]), ctx.constInt64([...ends]), ctx.constInt64([...axes])];
  if (hasSteps) ins.push(ctx.constInt64([...steps!]));
  return ctx.emit('Slice', ins);
}

/**
 * Zero padding: `pads` in ONNX layout [x1_begin, x2_begin, ..., x1_end, x2_end, ...], all >= 0.
 * Returns `x` when every pad is 0.
 */
export function padZeros(ctx: GradContext, x: string, pads: readonly number[]): string {
  if (pads.every((p) => p === 0)) return x;
  if (pads.some((p) => p < 0)) throw new Error(`padZeros: negative pad in [${pads.join(', ')}]`);
  if (ctx.onnxOpset < 11) return ctx.emit('Pad', [x], { pads: { ints: [...pads] }, mode: 'constant' });
  return ctx.emit('Pad', [x, ctx.constInt64([...pads])], { mode: 'constant' });
}

/** A tensor of zeros of a static shape, in the backward float type. */
export function zeros(ctx: GradContext, shape: readonly number[]): string {
  if (shape.length === 0) return ctx.constFloat(0);
  return ctx.emit('Expand', [ctx.constFloat(0), ctx.constInt64([...shape])]);
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
