/**
 * The ONNX layer of the core: codec, message builders, read-only model view, attribute accessors,
 * tensor data, validation, pure rewrites, layer names and the shared layer selector.
 */
export * from './proto-types.ts';
export { decodeModel, encodeModel, cloneModel, decodeTensor, encodeTensor, onnxTypes } from './codec.ts';
export type { DecodeLimits } from './codec.ts';
export * from './build.ts';
export * from './attributes.ts';
export * from './model-view.ts';
export * from './tensor-data.ts';
export * from './validate.ts';
export * from './layer-names.ts';
export * from './select-layer.ts';
export * from './rewrite/index.ts';
