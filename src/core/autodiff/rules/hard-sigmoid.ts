/**
 * HardSigmoid: y = max(0, min(1, α·x + β)), α = 0.2, β = 0.5 by default.
 * VJP: ∂L/∂x = g · α where 0 < α·x + β < 1, else 0 (strict at the corners, like PyTorch's
 * hardsigmoid_backward, which passes only for −3 < x < 3).
 */
import type { GradRule } from '../rule.ts';
import { unaryRule } from './util/elementwise.ts';
import { select } from './util/opset-ops.ts';

export const hardSigmoidGrad: GradRule = unaryRule('HardSigmoid', (ctx, { x, g }) => {
  const alpha = ctx.attrFloat('alpha', 0.2);
  const beta = ctx.attrFloat('beta', 0.5);
  const u = ctx.emit('Add', [ctx.emit('Mul', [x, ctx.constFloat(alpha)]), ctx.constFloat(beta)]);
  const inside = ctx.emit('And', [ctx.emit('Greater', [u, ctx.constFloat(0)]), ctx.emit('Less', [u, ctx.constFloat(1)])]);
  return select(ctx, inside, ctx.emit('Mul', [g, ctx.constFloat(alpha)]), undefined);
});
