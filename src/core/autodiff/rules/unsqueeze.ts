/**
 * Unsqueeze: inserts size-1 axes (axes attribute up to opset 12, int64 input from 13).
 * VJP: ∂L/∂x = reshape(g, shape(x)).
 */
import type { GradRule } from '../rule.ts';
import { reshapeBackRule } from './util/reshape-back.ts';

export const unsqueezeGrad: GradRule = reshapeBackRule('Unsqueeze');
