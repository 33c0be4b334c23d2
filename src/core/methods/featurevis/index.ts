/**
 * Feature visualization (activation maximization) for any ONNX model: objectives and their expression
 * language, image parameterizations (pixel, 1/f spectrum, colour decorrelation), robustness
 * transforms with exact adjoints, Adam, and the optimization loop over the compiled backward graph.
 */
export { visualizeFeatures, withDynamicBatch, toRaster } from './optimize.ts';
export { visualizeRecord } from './record.ts';
export type { VisualizeRecordOptions } from './record.ts';
export type { FeatureVisOptions, FeatureVisResult, FeatureVisImage, FeatureVisSettings, StepProgress } from './optimize.ts';
export { parseObjective, describeObjective, combine, channel, neuron, deepdream, classLogit, classProbability, direction, diversity, l1, l2, totalVariation, blur } from './objectives.ts';
export type { Objective, TermSpec } from './objectives.ts';
export { resolveObjective, BatchObjective, actLayout, modelActLayout } from './evaluate.ts';
export type { ResolvedObjective, ResolvedTerm, ResolveOptions, ActLayout, TermValues, EvaluateOptions } from './evaluate.ts';
export { ImageParam, COLOR_CORRELATION_SVD_SQRT, COLOR_DECORRELATION } from './param.ts';
export type { ImageParamOptions, SpatialParam } from './param.ts';
export { standardTransforms, drawTransform, validateTransforms, Sampler, NO_TRANSFORM, STANDARD_ANGLES, STANDARD_SCALES } from './transforms.ts';
export type { TransformStep, DrawnTransform, Affine } from './transforms.ts';
export { FftPlan, Rfft2Plan, rfft2Frequencies } from './fft.ts';
export { Adam } from './adam.ts';
export type { AdamOptions } from './adam.ts';
