/**
 * `deconvnet`: the DeconvNet backward pass (Zeiler & Fergus 2014, "Visualizing and Understanding
 * Convolutional Networks", §2.1; as formulated by Springenberg et al. 2015, Fig. 1:
 * R^l_i = (R^{l+1}_i > 0) · R^{l+1}_i at every ReLU, independent of the forward input). One compiled
 * graph with the `deconvnet` rule set (Captum's `Deconvolution`: ReLU backward = ReLU of the upstream
 * gradient; other ops use their true VJP). Signed; map = channel sum.
 */
import { defineGradientMethod } from './base.ts';

/** `deconvnet` has no parameters. */
export type DeconvnetParams = Record<string, never>;

export const deconvnet = defineGradientMethod<DeconvnetParams>({
  id: 'deconvnet',
  title: 'DeconvNet',
  citation: 'Zeiler & Fergus 2014, "Visualizing and Understanding Convolutional Networks", §2.1 (rectified unpooling/filtering backward; R^l = (R^{l+1} > 0)·R^{l+1} at ReLUs, Springenberg et al. 2015 Fig. 1)',
  stochastic: false,
  params: [],
  async compute(p) {
    const { grads } = await p.gradients('deconvnet');
    return { attribution: grads, reduction: 'sum' };
  },
});
