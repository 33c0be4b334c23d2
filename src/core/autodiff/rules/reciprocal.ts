/**
 * Reciprocal: y = 1/x.  VJP: ∂L/∂x = −g · y²  (= −g/x², from the forward output).
 */
import type { GradRule } from '../rule.ts';
import { unaryRule } from './util/elementwise.ts';

export const reciprocalGrad: GradRule = unaryRule('Reciprocal', (ctx, { y, g }) => {
  const yv = y();
  return ctx.emit('Neg', [ctx.emit('Mul', [g, ctx.emit('Mul', [yv, yv])])]);
});
