/**
 * Erf: y = erf(x).  VJP: ∂L/∂x = g · (2/√π) · exp(−x²).
 * With Mul/Add/Div this also differentiates PyTorch's opset < 20 GELU export,
 * x · 0.5 · (1 + erf(x / √2)).
 */
import type { GradRule } from '../rule.ts';
import { unaryRule } from './util/elementwise.ts';

export const erfGrad: GradRule = unaryRule('Erf', (ctx, { x, g }) => {
  const e = ctx.emit('Exp', [ctx.emit('Neg', [ctx.emit('Mul', [x, x])])]);
  return ctx.emit('Mul', [g, ctx.emit('Mul', [e, ctx.constFloat(2 / Math.sqrt(Math.PI))])]);
});
