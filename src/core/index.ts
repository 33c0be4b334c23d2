/**
 * The isomorphic core of convlens (`convlens/core`): everything that needs neither the file system nor
 * the DOM. Pair it with a runtime backend (`convlens` registers onnxruntime-node, `convlens/web`
 * onnxruntime-web) and load model bytes yourself.
 */
export * from './errors.ts';
export * from './tensor.ts';
export * from './onnx/index.ts';
export type { Dim } from './onnx/index.ts';
export * from './runtime/index.ts';
export type { Dim as RuntimeDim } from './runtime/index.ts';
export {
  compileBackward, compileCached, compileKey, clearCompileCache, GradRegistry, defineRuleSet, indexRules,
  standard, guided, deconvnet, BUILTIN_RULE_SETS, REGISTRATIONS, emitHelpers,
  defaultRegistry as defaultGradRegistry,
} from './autodiff/index.ts';
export type { CompileOptions, CompiledBackward, CompileStore, Registration, BuiltinRuleSetName, GradContext, GradRule, RuleSet, ElemType } from './autodiff/index.ts';
export * from './image/index.ts';
export { parseNpy, encodeNpy } from './io/npy.ts';
export { Lens, METADATA_KEYS } from './lens.ts';
export type { LensOptions, InputInfo, Prediction, GradientRequest, GradientResult } from './lens.ts';
export { layerTable, countMacs } from './inspect/layer-table.ts';
export type { LayerRow, LayerTable, LayerTableOptions as LayerTableRenderOptions } from './inspect/layer-table.ts';
export { channelPlanes, planeStats, activationLayout } from './maps/channel-planes.ts';
export type { Plane, PlaneOptions, ChannelStats } from './maps/channel-planes.ts';
export { featureMapSheet } from './maps/feature-maps.ts';
export type { FeatureMapOptions, FeatureMapSheet } from './maps/feature-maps.ts';
export { filterSheet } from './maps/filters.ts';
export type { FilterMode, FilterOptions, FilterSheet } from './maps/filters.ts';
export { renderGallery } from './report/gallery.ts';
export type { Gallery, Section, Block, Card } from './report/gallery.ts';
export * from './methods/index.ts';
export { visualizeFeatures, parseObjective, describeObjective } from './methods/featurevis/index.ts';
export type { FeatureVisOptions, FeatureVisResult, FeatureVisImage, FeatureVisSettings, StepProgress, Objective, TermSpec } from './methods/featurevis/index.ts';
/** The rest of feature visualization (objective builders, parameterizations, transforms, Adam, FFT) for advanced use. */
export * as featurevis from './methods/featurevis/index.ts';
