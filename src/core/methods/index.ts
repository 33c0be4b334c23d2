/**
 * The public surface of the explanation methods (re-exported by `convlens` and `convlens/core`): the
 * registry by stable id, every method object (each has `id`, `family`, documented `params` and
 * `explain(ctx, params)` returning the raw map as a Tensor plus a reproducible metadata record), target
 * resolution, rendering in pytorch-grad-cam / Captum conventions, and the JSON run record the CLI and
 * the studio write. Family internals (pipelines, helpers) stay importable from their folders.
 */
export { METHODS, METHOD_IDS, getMethod, getMethods } from './registry.ts';
export type { ExplainContext, ExplainMeta, ExplainMethod, ExplainResult, ExplainTiming, MethodFamily, ParamSpec, ParamType } from './types.ts';
export { ablationCam, cam, eigenCam, gradCam, gradCamPlusPlus, hiResCam, layerCam, scoreCam, xGradCam, computeCam, defaultTargetLayer, findLinearHead } from './cam/index.ts';
export type { CamRequest, CamResult, DefaultLayer } from './cam/index.ts';
export { deconvnet, gradient, gradXInput, guidedBackprop, guidedGradCam, integratedGradients, saliency, smoothgrad, IG_BASELINES } from './gradient/index.ts';
export { occlusion, rise, lime, kernelShap } from './perturbation/index.ts';
export { resolveTarget, scoreTensor, describeTarget, targetScore } from './target.ts';
export type { ScoreTensor, Target, TargetSpec, TargetMask } from './target.ts';
export { renderAttribution, ATTRIBUTION_SIGNS, ATTRIBUTION_RENDER_METHODS } from './render/attribution.ts';
export type { RenderAttributionOptions, RenderedAttribution, AttributionVisualSign, AttributionRenderMethod } from './render/attribution.ts';
export { renderExplanation } from './render/explanation.ts';
export type { RenderExplanationOptions } from './render/explanation.ts';
export { buildRunRecord, CONVLENS_VERSION } from './record.ts';
export type { RunRecord, RunRecordOptions } from './record.ts';
