/**
 * Neg: y = −x.  VJP: ∂L/∂x = −g.
 */
import type { GradRule } from '../rule.ts';
import { unaryRule } from './util/elementwise.ts';

export const negGrad: GradRule = unaryRule('Neg', (ctx, { g }) => ctx.emit('Neg', [g]));
