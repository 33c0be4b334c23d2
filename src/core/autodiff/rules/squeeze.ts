/**
 * Squeeze: removes size-1 axes (axes attribute up to opset 12, optional int64 input from 13; none
 * given = every size-1 axis).  VJP: ∂L/∂x = reshape(g, shape(x)), which restores exactly the removed
 * axes whichever form named them.
 */
import type { GradRule } from '../rule.ts';
import { reshapeBackRule } from './util/reshape-back.ts';

export const squeezeGrad: GradRule = reshapeBackRule('Squeeze');
