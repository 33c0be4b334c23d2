/**
 * Flatten: y = reshape(x, [∏ dims before axis, ∏ dims from axis]).  VJP: ∂L/∂x = reshape(g, shape(x)).
 */
import type { GradRule } from '../rule.ts';
import { reshapeBackRule } from './util/reshape-back.ts';

export const flattenGrad: GradRule = reshapeBackRule('Flatten');
