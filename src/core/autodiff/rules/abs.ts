/**
 * Abs: y = |x|.  VJP: ∂L/∂x = g · sign(x)  (0 at x = 0, like PyTorch's abs backward, grad · sgn(x)).
 */
import type { GradRule } from '../rule.ts';
import { unaryRule } from './util/elementwise.ts';

export const absGrad: GradRule = unaryRule('Abs', (ctx, { x, g }) => ctx.emit('Mul', [g, ctx.emit('Sign', [x])]));
