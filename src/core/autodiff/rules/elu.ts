/**
 * Elu: y = x for x > 0, α·(eˣ − 1) otherwise (α = 1 by default).
 * VJP: ∂L/∂x = g where x > 0, g · α · eˣ otherwise.
 */
import type { GradRule } from '../rule.ts';
import { unaryRule } from './util/elementwise.ts';
import { select } from '../emit-helpers.ts';

export const eluGrad: GradRule = unaryRule('Elu', (ctx, { x, g }) => {
  const alpha = ctx.attrFloat('alpha', 1);
  const neg = ctx.emit('Mul', [g, ctx.emit('Mul', [ctx.emit('Exp', [x]), ctx.constFloat(alpha)])]);
  return select(ctx, ctx.emit('Greater', [x, ctx.constFloat(0)]), g, neg);
});
