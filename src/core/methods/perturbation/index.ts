/**
 * The perturbation family (model-agnostic, forward passes only): Occlusion, RISE, LIME and KernelSHAP,
 * each one file over the shared batched masked-forward pipeline in `base.ts`, listed once in
 * {@link PERTURBATION_METHODS} by their stable CLI ids.
 */
import type { ExplainMethod } from '../types.ts';
import { kernelShap } from './kernelshap.ts';
import { lime } from './lime.ts';
import { occlusion } from './occlusion.ts';
import { rise } from './rise.ts';

export { occlusion, OCCLUSION_PARAMS } from './occlusion.ts';
export type { OcclusionParams } from './occlusion.ts';
export { rise, riseMasks, RISE_PARAMS } from './rise.ts';
export type { RiseParams } from './rise.ts';
export { lime, LIME_PARAMS } from './lime.ts';
export type { LimeParams } from './lime.ts';
export { kernelShap, KERNELSHAP_PARAMS, shapCoalitions } from './kernelshap.ts';
export type { KernelShapParams } from './kernelshap.ts';
export { gridSegments, slic, rgbToLab, segmentPixels } from './superpixels.ts';
export type { Segmentation, SlicOptions } from './superpixels.ts';
export { weightedRidge, solveSpd, weightedR2 } from './linear-model.ts';
export type { LinearFit, RidgeOptions } from './linear-model.ts';
export { DEFAULT_BATCH_SIZE, definePerturbationMethod, forwardMasked, forwardPerturbed, startPerturbation } from './base.ts';
export type { MaskCallback, MaskedForwardOptions, MaskScoresCallback, PerturbationMethodDef, PerturbationRun } from './base.ts';
export { maskedInputModel } from './masked-input.ts';
export type { MaskedInputNames, MaskedInputOptions } from './masked-input.ts';
export { autoWindow } from './occlusion.ts';

/** The perturbation methods by CLI id, in display order. */
export const PERTURBATION_METHODS: readonly ExplainMethod<any>[] = [occlusion, rise, lime, kernelShap];
