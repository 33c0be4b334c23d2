/**
 * Deconvnet override of Relu (Zeiler & Fergus 2014): the backward pass rectifies the reconstruction
 * signal itself, ignoring the forward input: R = max(g, 0).
 */
import type { GradRule } from '../../rule.ts';
import { unaryRule } from '../util/elementwise.ts';

export const deconvnetReluGrad: GradRule = unaryRule('Relu', (ctx, { g }) => ctx.emit('Relu', [g]));
