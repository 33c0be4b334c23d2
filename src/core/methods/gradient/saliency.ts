/**
 * `saliency`: Simonyan, Vedaldi & Zisserman 2014, "Deep Inside Convolutional Networks", §3.1: the
 * magnitude of the input gradient w = ∂S_c/∂I (eq. 2); for a multi-channel image the saliency map is
 * M_ij = max_c |w_h(i,j,c)| (the maximum over colour channels). The per-channel attribution is |w|, as
 * Captum's `Saliency` (abs=True) returns it; the map is its maximum over channels.
 */
import { defineGradientMethod } from './base.ts';

/** `saliency` has no parameters. */
export type SaliencyParams = Record<string, never>;

export const saliency = defineGradientMethod<SaliencyParams>({
  id: 'saliency',
  title: 'Saliency',
  citation: 'Simonyan, Vedaldi & Zisserman 2014, "Deep Inside Convolutional Networks: Visualising Image Classification Models and Saliency Maps", §3.1: M_ij = max_c |w_h(i,j,c)|, w = ∂S_c/∂I (eq. 2)',
  stochastic: false,
  params: [],
  async compute(p) {
    const { grads } = await p.gradients('standard');
    for (let i = 0; i < grads.length; i++) grads[i] = Math.abs(grads[i]!);
    return { attribution: grads, reduction: 'max-abs' };
  },
});
