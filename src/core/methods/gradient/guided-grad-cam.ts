/**
 * `guided-gradcam`: Guided Grad-CAM (Selvaraju, Cogswell, Das, Vedantam, Parikh & Batra 2017, "Grad-CAM:
 * Visual Explanations from Deep Networks via Gradient-based Localization", §3.2): the pointwise product
 * of Guided Backpropagation (guided-backprop.ts) with the Grad-CAM map L^c = ReLU(Σ_k α_k^c A^k) (Eq. 1–2)
 * upsampled to the input by bilinear interpolation. The Grad-CAM map is the CAM family's `gradcam`
 * (target layer, score tensor and target conventions included); by default its raw ReLU'd map is used, as
 * in the paper and in Captum's `GuidedGradCam` (which upsamples with nearest neighbour instead); `cam:
 * 'normalized'` uses pytorch-grad-cam's min-max normalised map (its `guided_backprop * cam_mask`).
 * The attribution keeps the input's channels (guided gradient × map); the map is their sum.
 */
import { COMMON_DEFAULTS, COMMON_PARAMS } from '../cam/base-cam.ts';
import type { CamCommonParams } from '../cam/base-cam.ts';
import { gradCam } from '../cam/grad-cam.ts';
import type { Target } from '../target.ts';
import { defineGradientMethod, elementIndex } from './base.ts';

export interface GuidedGradCamParams extends CamCommonParams {
  /** Which Grad-CAM map multiplies the guided gradient: `raw` (default; paper, Captum) or `normalized` (pytorch-grad-cam). */
  cam: 'raw' | 'normalized';
}

export const guidedGradCam = defineGradientMethod<GuidedGradCamParams>({
  id: 'guided-gradcam',
  title: 'Guided Grad-CAM',
  citation: 'Selvaraju et al. 2017, "Grad-CAM: Visual Explanations from Deep Networks via Gradient-based Localization", §3.2 (Guided Backpropagation ⊙ bilinearly upsampled Grad-CAM, Eq. 1–2)',
  stochastic: false,
  params: [
    { name: 'cam', type: 'enum', default: 'raw', choices: ['raw', 'normalized'], doc: "Grad-CAM map used: the raw ReLU'd map (paper, Captum) or the min-max normalised one (pytorch-grad-cam)" },
    ...COMMON_PARAMS,
  ],
  async compute(p, params, ctx) {
    const g = p.geometry;
    const { cam: which, ...camParams } = { ...COMMON_DEFAULTS, ...params };
    // one target per image, the same the guided pass explains
    const target: Target | undefined = g.items === 1 ? p.targets[0] : undefined;
    const cam = await gradCam.explain({ ...ctx, target: target ?? ctx.target }, camParams);
    const map = which === 'raw' ? cam.map : cam.arrays!.normalized!;
    const { grads } = await p.gradients('guided');
    const m = map.data as Float32Array;
    for (let b = 0; b < g.items; b++) {
      for (let c = 0; c < g.channels; c++) {
        for (let q = 0; q < g.plane; q++) grads[b * g.itemSize + elementIndex(g, c, q)]! *= m[b * g.plane + q]!;
      }
    }
    const t = cam.meta.timing;
    return {
      attribution: grads,
      reduction: 'sum',
      arrays: { gradcam: map },
      extras: { gradcam: { layers: cam.meta.extras.layers, params: cam.meta.params } },
      timing: { runtimeMs: t.runtimeMs, samples: t.samples, runs: t.runs },
    };
  },
});
