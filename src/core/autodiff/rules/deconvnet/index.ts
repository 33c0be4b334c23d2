/**
 * The `deconvnet` rule set's overrides (Zeiler & Fergus 2014), one file per op in this folder: Relu and
 * Clip (ReLU6) backward = max(g, 0), independent of the forward input. Every other op (including
 * LeakyRelu/PRelu/Elu, whose negative side is not a rectifier) keeps the standard rule.
 */
import type { GradRule } from '../../rule.ts';
import { deconvnetClipGrad } from './clip.ts';
import { deconvnetReluGrad } from './relu.ts';

export const deconvnetRules: readonly GradRule[] = [deconvnetReluGrad, deconvnetClipGrad];
