/**
 * Selu: y = γ·x for x > 0, γ·α·(eˣ − 1) otherwise (α ≈ 1.6733, γ ≈ 1.0507 by default).
 * VJP: ∂L/∂x = γ·g where x > 0, g · γ·α · eˣ otherwise.
 */
import type { GradRule } from '../rule.ts';
import { unaryRule } from './util/elementwise.ts';
import { select } from '../emit-helpers.ts';

export const SELU_ALPHA = 1.67326319217681884765625;
export const SELU_GAMMA = 1.05070102214813232421875;

export const seluGrad: GradRule = unaryRule('Selu', (ctx, { x, g }) => {
  const alpha = ctx.attrFloat('alpha', SELU_ALPHA);
  const gamma = ctx.attrFloat('gamma', SELU_GAMMA);
  const neg = ctx.emit('Mul', [g, ctx.emit('Mul', [ctx.emit('Exp', [x]), ctx.constFloat(alpha * gamma)])]);
  const pos = ctx.emit('Mul', [g, ctx.constFloat(gamma)]);
  return select(ctx, ctx.emit('Greater', [x, ctx.constFloat(0)]), pos, neg);
});
