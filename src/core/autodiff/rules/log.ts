/**
 * Log: y = ln x.  VJP: ∂L/∂x = g / x.
 */
import type { GradRule } from '../rule.ts';
import { unaryRule } from './util/elementwise.ts';

export const logGrad: GradRule = unaryRule('Log', (ctx, { x, g }) => ctx.emit('Div', [g, x]));
