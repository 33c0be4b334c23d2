/**
 * Pow: z = a^b with numpy broadcasting (opset 12+ allows an integer exponent; it gets no gradient).
 * VJP (PyTorch's convention, FunctionsManual pow_backward_self / pow_backward_exponent):
 *   ∂L/∂a = unbroadcast(where(b == 0, 0, g · b · a^(b−1)), shape(a))
 *   ∂L/∂b = unbroadcast(where(a == 0 ∧ b ≥ 0, 0, g · z · ln a), shape(b))
 * A constant scalar exponent c (x², x³, x^0.5 in decomposed LayerNorm/GELU exports) is folded:
 * c = 0 → 0, c = 1 → g, c = 2 → 2·g·a, else c·g·a^(c−1). For a < 0 and non-integer b, ln a is NaN,
 * exactly as in PyTorch.
 */
import type { GradContext, GradRule } from '../rule.ts';
import { binaryOperands } from './util/elementwise.ts';
import type { BinaryOperands } from './util/elementwise.ts';
import { asFloat, greaterOrEqual, isFloat, isZero, numel, select, zeros } from '../emit-helpers.ts';
import { unbroadcast } from './util/unbroadcast.ts';

function gradBase(ctx: GradContext, o: BinaryOperands): string {
  const c = ctx.constValue(o.b);
  if (c && numel(c.dims) === 1) {
    const e = Number(c.values[0]);
    let t: string;
    if (e === 0) return zeros(ctx, o.aShape);
    if (e === 1) t = o.g;
    else if (e === 2) t = ctx.emit('Mul', [o.g, ctx.emit('Mul', [o.a, ctx.constFloat(2)])]);
    else t = ctx.emit('Mul', [o.g, ctx.emit('Mul', [ctx.emit('Pow', [o.a, ctx.constFloat(e - 1)]), ctx.constFloat(e)])]);
    // A [1]-shaped or [1,1,...] exponent can still raise the output rank: unbroadcast handles it.
    return unbroadcast(ctx, t, o.outShape, o.aShape);
  }
  const b = asFloat(ctx, o.b);
  const local = ctx.emit('Mul', [b, ctx.emit('Pow', [o.a, ctx.emit('Sub', [b, ctx.constFloat(1)])])]);
  const t = select(ctx, isZero(ctx, b), undefined, ctx.emit('Mul', [o.g, local]));
  return unbroadcast(ctx, t, o.outShape, o.aShape);
}

function gradExponent(ctx: GradContext, o: BinaryOperands): string {
  const zLogA = ctx.emit('Mul', [ctx.forwardOutput(0), ctx.emit('Log', [o.a])]);
  const cond = ctx.emit('And', [isZero(ctx, o.a), greaterOrEqual(ctx, o.b, ctx.constFloat(0))]);
  const t = ctx.emit('Mul', [o.g, select(ctx, cond, undefined, zLogA)]);
  return unbroadcast(ctx, t, o.outShape, o.bShape);
}

export const powGrad: GradRule = {
  opType: 'Pow',
  differentiableInputs: [0, 1],
  backward(ctx) {
    const o = binaryOperands(ctx);
    if (!o) return [undefined, undefined];
    return [
      ctx.needsGrad(0) ? gradBase(ctx, o) : undefined,
      ctx.needsGrad(1) && isFloat(ctx, o.b) ? gradExponent(ctx, o) : undefined,
    ];
  },
};
