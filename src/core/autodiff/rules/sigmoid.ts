/**
 * Sigmoid: y = 1 / (1 + e⁻ˣ).  VJP: ∂L/∂x = g · y · (1 − y).
 * (SiLU/Swish exports as x · Sigmoid(x): Mul + this rule.)
 */
import type { GradRule } from '../rule.ts';
import { unaryRule } from './util/elementwise.ts';

export const sigmoidGrad: GradRule = unaryRule('Sigmoid', (ctx, { y, g }) => {
  const yv = y();
  return ctx.emit('Mul', [g, ctx.emit('Mul', [yv, ctx.emit('Sub', [ctx.constFloat(1), yv])])]);
});
