/**
 * `gradxinput`: Gradient × Input, x ⊙ ∂S_c/∂x (Shrikumar, Greenside & Kundaje 2017, "Learning Important
 * Features Through Propagating Activation Differences", §2.1 — Captum's `InputXGradient`). Signed; the
 * map is the channel sum. Note that the input is the model's (normalised) input tensor, so the
 * attribution depends on the preprocessing, as it does in Captum.
 */
import { defineGradientMethod } from './base.ts';

/** `gradxinput` has no parameters. */
export type GradXInputParams = Record<string, never>;

export const gradXInput = defineGradientMethod<GradXInputParams>({
  id: 'gradxinput',
  title: 'Gradient × Input',
  citation: 'Shrikumar, Greenside & Kundaje 2017, "Learning Important Features Through Propagating Activation Differences", §2.1 (gradient ⊙ input)',
  stochastic: false,
  params: [],
  async compute(p) {
    const { grads } = await p.gradients('standard');
    const x = p.input.data;
    for (let i = 0; i < grads.length; i++) grads[i] = grads[i]! * x[i]!;
    return { attribution: grads, reduction: 'sum' };
  },
});
