/** The runtime layer of the core: the backend interface, the backend registry, session cache, batched runs and shape inference by running. */
export type { Backend, Dim, GraphOptimization, RuntimeLogLevel, Session, SessionOptions, ValueMetadata } from './backend.ts';
export { BackendRegistry, defaultRegistry, registerBackend, resolveBackend } from './registry.ts';
export { SessionCache, sessionKeyString } from './session-cache.ts';
export type { SessionCacheOptions, SessionKey } from './session-cache.ts';
export { sha256Hex } from './hash.ts';
export { runBatched, sliceBatch, concatBatch } from './batch.ts';
export type { RunBatchedOptions } from './batch.ts';
export { inferShapesByRunning, dtypeOfElemType, zerosOf } from './infer-shapes.ts';
export type { InferShapesInput, InferShapesOptions, TensorInfo } from './infer-shapes.ts';
export { fromOrtTensor, toOrtTensor, translateOrtError, wrapOrtSession, checkFeeds, formatDims } from './ort-adapter.ts';
export type { OrtSessionLike, OrtTensorCtor, OrtTensorLike, OrtValueMetadataLike } from './ort-adapter.ts';
