/**
 * LeakyRelu: y = x for x > 0, α·x otherwise (α = 0.01 by default).
 * VJP: ∂L/∂x = g where x > 0, α·g otherwise (PyTorch's leaky_relu_backward: self > 0 ? g : α·g).
 */
import type { GradRule } from '../rule.ts';
import { unaryRule } from './util/elementwise.ts';
import { select } from './util/opset-ops.ts';

export const leakyReluGrad: GradRule = unaryRule('LeakyRelu', (ctx, { x, g }) => {
  const alpha = ctx.attrFloat('alpha', 0.01);
  return select(ctx, ctx.emit('Greater', [x, ctx.constFloat(0)]), g, ctx.emit('Mul', [g, ctx.constFloat(alpha)]));
});
