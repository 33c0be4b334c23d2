/**
 * Deconvnet override of Clip (ReLU6 and friends are treated as ReLU): R = max(g, 0), ignoring the
 * forward input and the bounds, as Zeiler & Fergus's deconvnet does for its rectifiers.
 */
import type { GradRule } from '../../rule.ts';
import { unaryRule } from '../util/elementwise.ts';

export const deconvnetClipGrad: GradRule = unaryRule('Clip', (ctx, { g }) => ctx.emit('Relu', [g]));
