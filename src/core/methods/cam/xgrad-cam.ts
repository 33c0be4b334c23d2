/**
 * XGrad-CAM — Fu, Hu, Dong, Chen, Zhou & Feng, "Axiom-based Grad-CAM: Towards Accurate Visualization
 * and Explanation of CNNs", BMVC 2020, Sec. 3 (the closed-form weights): α_k = Σ_ij (A^k_ij / Σ_ab A^k_ab) · ∂y^c/∂A^k_ij (the
 * activation-weighted gradient that satisfies the sensitivity and conservation axioms); ε = 1e-7 in the
 * denominator as pytorch-grad-cam.
 */
import { activationSumWeights, defineCamMethod } from './base-cam.ts';

export const xGradCam = defineCamMethod({
  id: 'xgradcam',
  title: 'XGrad-CAM',
  citation: 'Fu et al., "Axiom-based Grad-CAM: Towards Accurate Visualization and Explanation of CNNs", BMVC 2020, Sec. 3',
  defaults: {},
  gradients: true,
  weights({ n, c, s, activations, gradients }) {
    return activationSumWeights(n * c, s, activations, (k, sumA) => (gradients![k]! * activations[k]!) / (sumA + 1e-7));
  },
});
