/**
 * Sqrt: y = √x.  VJP: ∂L/∂x = g / (2y)  (from the forward output; +∞ at x = 0 like PyTorch).
 */
import type { GradRule } from '../rule.ts';
import { unaryRule } from './util/elementwise.ts';

export const sqrtGrad: GradRule = unaryRule('Sqrt', (ctx, { y, g }) => ctx.emit('Div', [g, ctx.emit('Mul', [y(), ctx.constFloat(2)])]));
