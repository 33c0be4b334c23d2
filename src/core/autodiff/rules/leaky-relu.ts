/**
 * LeakyRelu: y = x for x > 0, α·x otherwise (α = 0.01 by default).
 * VJP: ∂L/∂x = g where x > 0, α·g otherwise (PyTorch's leaky_relu_backward: self > 0 ? g : α·g).
 *
 * For α ≥ 0 the condition is read from the OUTPUT, y > 0 ⇔ x > 0 (y = x > 0 there; α·x ≤ 0 — or a
 * signed zero — wherever x ≤ 0), so the backward graph does not read the pre-activation x and ONNX
 * Runtime can fuse the producing Conv with the LeakyRelu. A negative α breaks that equivalence
 * (α·x > 0 for x < 0); then x is read.
 */
import type { GradRule } from '../rule.ts';
import { unaryRule } from './util/elementwise.ts';
import { select } from '../emit-helpers.ts';

export const leakyReluGrad: GradRule = unaryRule('LeakyRelu', (ctx, { x, y, g }) => {
  const alpha = ctx.attrFloat('alpha', 0.01);
  const pos = ctx.emit('Greater', [alpha >= 0 ? y() : x, ctx.constFloat(0)]);
  return select(ctx, pos, g, ctx.emit('Mul', [g, ctx.constFloat(alpha)]));
});
