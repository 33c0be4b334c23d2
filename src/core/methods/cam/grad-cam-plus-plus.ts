/**
 * Grad-CAM++ — Chattopadhay, Sarkar, Howlader & Balasubramanian, "Grad-CAM++: Generalized
 * Gradient-based Visual Explanations for Deep Convolutional Networks", WACV 2018. Channel weights
 * w_k = Σ_ij α^kc_ij · ReLU(∂y^c/∂A^k_ij) (Eq. 7) with the closed form of Eq. 19 for an exponential
 * output (higher derivatives as powers of the first):
 * α_ij = g²_ij / (2 g²_ij + Σ_ab A_ab · g³_ij), g = ∂y^c/∂A^k, and α = 0 where g = 0 —
 * pytorch-grad-cam's form, including its ε = 1e-6 in the denominator.
 */
import { activationSumWeights, defineCamMethod } from './base-cam.ts';

export const gradCamPlusPlus = defineCamMethod({
  id: 'gradcam++',
  title: 'Grad-CAM++',
  citation: 'Chattopadhay et al., "Grad-CAM++: Generalized Gradient-based Visual Explanations for Deep Convolutional Networks", WACV 2018, Eq. 7 and 19',
  defaults: {},
  gradients: true,
  weights({ n, c, s, activations, gradients }) {
    // α is 0 where g = 0, and ReLU(g) drops g < 0: only g > 0 contributes g · α.
    return activationSumWeights(n * c, s, activations, (k, sumA) => {
      const g = gradients![k]!;
      if (g <= 0) return 0;
      const g2 = g * g;
      const alpha = g2 / (2 * g2 + sumA * g2 * g + 1e-6);
      return g * alpha;
    });
  },
});
