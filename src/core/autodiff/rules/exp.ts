/**
 * Exp: y = eˣ.  VJP: ∂L/∂x = g · y.
 */
import type { GradRule } from '../rule.ts';
import { unaryRule } from './util/elementwise.ts';

export const expGrad: GradRule = unaryRule('Exp', (ctx, { y, g }) => ctx.emit('Mul', [g, y()]));
