/**
 * HiResCAM — Draelos & Carin, "Use HiResCAM instead of Grad-CAM for faithful explanations of
 * convolutional neural networks", 2020 (arXiv:2011.08891): map = Σ_k ∂y^c/∂A^k ⊙ A^k, the
 * elementwise product instead of Grad-CAM's spatially averaged gradient, so for a CNN ending in global
 * average pooling + linear the map is exactly each position's contribution to the score.
 * `eigenSmooth` breaks that guarantee (pytorch-grad-cam warns the same).
 */
import { defineCamMethod } from './base-cam.ts';

export const hiResCam = defineCamMethod({
  id: 'hirescam',
  title: 'HiResCAM',
  citation: 'Draelos & Carin, "Use HiResCAM instead of Grad-CAM for faithful explanations of convolutional neural networks", arXiv:2011.08891',
  defaults: {},
  gradients: true,
  weighted({ activations, gradients }) {
    const out = new Float64Array(activations.length);
    for (let i = 0; i < out.length; i++) out[i] = gradients![i]! * activations[i]!;
    return out;
  },
});
