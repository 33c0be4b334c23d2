/**
 * Softplus: y = ln(1 + eˣ).  VJP: ∂L/∂x = g · sigmoid(x).
 */
import type { GradRule } from '../rule.ts';
import { unaryRule } from './util/elementwise.ts';

export const softplusGrad: GradRule = unaryRule('Softplus', (ctx, { x, g }) => ctx.emit('Mul', [g, ctx.emit('Sigmoid', [x])]));
