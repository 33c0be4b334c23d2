/**
 * Grad-CAM — Selvaraju, Cogswell, Das, Vedantam, Parikh & Batra, "Grad-CAM: Visual Explanations from
 * Deep Networks via Gradient-based Localization", ICCV 2017, Eq. 1: α_k = (1/Z) Σ_ij ∂y^c/∂A^k_ij,
 * the spatial mean of the gradient; map = ReLU(Σ_k α_k A^k) (Eq. 2, applied by the base pipeline).
 */
import { defineCamMethod } from './base-cam.ts';

export const gradCam = defineCamMethod({
  id: 'gradcam',
  title: 'Grad-CAM',
  citation: 'Selvaraju et al., "Grad-CAM: Visual Explanations from Deep Networks via Gradient-based Localization", ICCV 2017, Eq. 1-2',
  defaults: {},
  gradients: true,
  weights({ n, c, s, gradients }) {
    const w = new Float64Array(n * c);
    for (let i = 0; i < n * c; i++) {
      let acc = 0;
      for (let k = i * s; k < (i + 1) * s; k++) acc += gradients![k]!;
      w[i] = acc / s;
    }
    return w;
  },
});
