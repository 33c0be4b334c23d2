/**
 * LayerCAM — Jiang, Zhang, Hou, Cheng & Wei, "LayerCAM: Exploring Hierarchical Class Activation Maps
 * for Localization", IEEE TIP 30, 2021: each position gets its own weight
 * w^k_ij = ReLU(∂y^c/∂A^k_ij), map = ReLU(Σ_k w^k ⊙ A^k) — sharp maps even from shallow layers.
 */
import { defineCamMethod } from './base-cam.ts';

export const layerCam = defineCamMethod({
  id: 'layercam',
  title: 'LayerCAM',
  citation: 'Jiang et al., "LayerCAM: Exploring Hierarchical Class Activation Maps for Localization", IEEE TIP 2021',
  defaults: {},
  gradients: true,
  weighted({ activations, gradients }) {
    const out = new Float64Array(activations.length);
    for (let i = 0; i < out.length; i++) { const g = gradients![i]!; out[i] = g > 0 ? g * activations[i]! : 0; }
    return out;
  },
});
