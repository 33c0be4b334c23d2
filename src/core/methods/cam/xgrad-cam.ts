/**
 * XGrad-CAM — Fu, Hu, Dong, Chen, Zhou & Feng, "Axiom-based Grad-CAM: Towards Accurate Visualization
 * and Explanation of CNNs", BMVC 2020, Sec. 3 (the closed-form weights): α_k = Σ_ij (A^k_ij / Σ_ab A^k_ab) · ∂y^c/∂A^k_ij (the
 * activation-weighted gradient that satisfies the sensitivity and conservation axioms); ε = 1e-7 in the
 * denominator as pytorch-grad-cam.
 */
import { defineCamMethod } from './base-cam.ts';

export const xGradCam = defineCamMethod({
  id: 'xgradcam',
  title: 'XGrad-CAM',
  citation: 'Fu et al., "Axiom-based Grad-CAM: Towards Accurate Visualization and Explanation of CNNs", BMVC 2020, Sec. 3',
  defaults: {},
  gradients: true,
  weights({ n, c, s, activations, gradients }) {
    const w = new Float64Array(n * c);
    for (let i = 0; i < n * c; i++) {
      let sumA = 0;
      for (let k = i * s; k < (i + 1) * s; k++) sumA += activations[k]!;
      let acc = 0;
      for (let k = i * s; k < (i + 1) * s; k++) acc += (gradients![k]! * activations[k]!) / (sumA + 1e-7);
      w[i] = acc;
    }
    return w;
  },
});
