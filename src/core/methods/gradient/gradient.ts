/**
 * `gradient`: the raw, signed input gradient ∂S_c/∂x of the target score S_c (Simonyan, Vedaldi &
 * Zisserman 2014, "Deep Inside Convolutional Networks", eq. 2: w = ∂S_c/∂I evaluated at I₀) — Captum's
 * `Saliency(abs=False)`. The attribution keeps the input's shape and sign; the map is its channel sum.
 */
import { defineGradientMethod } from './base.ts';

/** `gradient` has no parameters. */
export type GradientParams = Record<string, never>;

export const gradient = defineGradientMethod<GradientParams>({
  id: 'gradient',
  title: 'Gradient',
  citation: 'Simonyan, Vedaldi & Zisserman 2014, "Deep Inside Convolutional Networks: Visualising Image Classification Models and Saliency Maps", eq. 2 (w = ∂S_c/∂I at I₀), signed',
  stochastic: false,
  params: [],
  async compute(p) {
    const { grads } = await p.gradients('standard');
    return { attribution: grads, reduction: 'sum' };
  },
});
