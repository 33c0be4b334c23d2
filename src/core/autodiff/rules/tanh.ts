/**
 * Tanh: y = tanh x.  VJP: ∂L/∂x = g · (1 − y²).
 */
import type { GradRule } from '../rule.ts';
import { unaryRule } from './util/elementwise.ts';

export const tanhGrad: GradRule = unaryRule('Tanh', (ctx, { y, g }) => {
  const yv = y();
  return ctx.emit('Mul', [g, ctx.emit('Sub', [ctx.constFloat(1), ctx.emit('Mul', [yv, yv])])]);
});
