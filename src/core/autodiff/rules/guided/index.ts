/**
 * The `guided` rule set's overrides (guided backpropagation), one file per op in this folder. Every
 * override follows one policy: R = f'(x)·max(g, 0), the standard local derivative applied to the
 * rectified upstream gradient (util/rectified-upstream.ts). The ReLU-like family is overridden:
 * Relu, LeakyRelu, PRelu, Elu, Selu, Clip (ReLU6), HardSwish. Smooth non-ReLU-like ops (Sigmoid, Tanh,
 * Gelu, Softplus, HardSigmoid) and every linear/shape op keep the standard rule, as in Captum's
 * GuidedBackprop (which overrides only ReLU modules) — so a SiLU written as x·Sigmoid(x) is not gated.
 */
import type { GradRule } from '../../rule.ts';
import { guidedClipGrad } from './clip.ts';
import { guidedEluGrad } from './elu.ts';
import { guidedHardSwishGrad } from './hard-swish.ts';
import { guidedLeakyReluGrad } from './leaky-relu.ts';
import { guidedPreluGrad } from './prelu.ts';
import { guidedReluGrad } from './relu.ts';
import { guidedSeluGrad } from './selu.ts';

export const guidedRules: readonly GradRule[] = [
  guidedReluGrad, guidedLeakyReluGrad, guidedPreluGrad, guidedEluGrad, guidedSeluGrad, guidedClipGrad, guidedHardSwishGrad,
];
