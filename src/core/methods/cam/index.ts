/**
 * The CAM family: class activation maps from a target layer's channels, weighted per method over one
 * shared pipeline (base-cam.ts). Method ids are the CLI's: `cam gradcam gradcam++ xgradcam hirescam
 * layercam eigencam scorecam ablationcam`.
 *
 * @example
 * import { camMethods, gradCam } from 'convlens/core';
 * const res = await gradCam.explain({ lens, input }, { layer: 'layer4' });
 * res.arrays!.normalized; // [1, 1, H, W] in [0, 1], pytorch-grad-cam's output
 * res.meta.extras.layers;  // the target layer(s), with the default layer's reason when chosen automatically
 */
import { ablationCam } from './ablation-cam.ts';
import { cam } from './cam.ts';
import { eigenCam } from './eigen-cam.ts';
import { gradCamPlusPlus } from './grad-cam-plus-plus.ts';
import { gradCam } from './grad-cam.ts';
import { hiResCam } from './hirescam.ts';
import { layerCam } from './layer-cam.ts';
import { scoreCam } from './score-cam.ts';
import { xGradCam } from './xgrad-cam.ts';

export { ablationCam, cam, eigenCam, gradCam, gradCamPlusPlus, hiResCam, layerCam, scoreCam, xGradCam };
export type { AblationCamParams } from './ablation-cam.ts';
export { findLinearHead } from './cam.ts';
export type { LinearHead } from './cam.ts';
export { AUGMENTATIONS, COMMON_DEFAULTS, COMMON_PARAMS, camExplainResult, computeCam, defineCamMethod, scaleRows, seedWeights } from './base-cam.ts';
export type { CamCommonParams, CamLayer, CamLayerResult, CamMethodDef, CamRequest, CamResult, CamRun } from './base-cam.ts';
export { defaultTargetLayer } from './default-layer.ts';
export type { DefaultLayer, DefaultLayerOptions } from './default-layer.ts';
export { parseReshape, tokenGrid, tokensToGrid, MAX_EXTRA_TOKENS } from './tokens.ts';
export type { ReshapeSpec, TokenGrid } from './tokens.ts';
export { GRADIENT_FREE_METHODS } from './cam-runtime.ts';
export { firstComponentProjection, symmetricEigen } from './linalg.ts';
export { resizeLinear } from './resample.ts';

/** Every CAM method, in the CLI's order. */
export const camMethods = [cam, gradCam, gradCamPlusPlus, xGradCam, hiResCam, layerCam, eigenCam, scoreCam, ablationCam] as const;

/** The CAM method with a CLI id, or undefined. */
export function camMethod(id: string): (typeof camMethods)[number] | undefined {
  return camMethods.find((m) => m.id === id);
}
