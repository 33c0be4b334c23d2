/**
 * Reshape: y = reshape(x, shape) (shape input: 0 copies a dim, −1 infers one; allowzero at opset 14).
 * VJP: ∂L/∂x = reshape(g, shape(x)); the shape input is integer data and gets no gradient.
 */
import type { GradRule } from '../rule.ts';
import { reshapeBackRule } from './util/reshape-back.ts';

export const reshapeGrad: GradRule = reshapeBackRule('Reshape');
