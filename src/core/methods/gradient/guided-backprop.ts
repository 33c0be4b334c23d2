/**
 * `guided`: Guided Backpropagation (Springenberg, Dosovitskiy, Brox & Riedmiller 2015, "Striving for
 * Simplicity: The All Convolutional Net", §3.4 and Fig. 1: at every ReLU,
 * R^l_i = (f^l_i > 0) · (R^{l+1}_i > 0) · R^{l+1}_i). The whole backward pass is one compiled graph with
 * the `guided` rule set (ReLU-like ops pass f'(x)·max(grad, 0); every other op its true VJP — the
 * convention of Captum's `GuidedBackprop`, which overrides only ReLU modules). Signed; map = channel sum.
 */
import { defineGradientMethod } from './base.ts';

/** `guided` has no parameters. */
export type GuidedBackpropParams = Record<string, never>;

export const guidedBackprop = defineGradientMethod<GuidedBackpropParams>({
  id: 'guided',
  title: 'Guided Backpropagation',
  citation: 'Springenberg, Dosovitskiy, Brox & Riedmiller 2015, "Striving for Simplicity: The All Convolutional Net", §3.4, Fig. 1 (R^l = (f^l > 0)·(R^{l+1} > 0)·R^{l+1})',
  stochastic: false,
  params: [],
  async compute(p) {
    const { grads } = await p.gradients('guided');
    return { attribution: grads, reduction: 'sum' };
  },
});
