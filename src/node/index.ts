/**
 * The Node entry point of convlens (`import { openModel } from 'convlens'`): the whole isomorphic core,
 * plus file loading (models with external data confined to their folder, images through sharp, .npy),
 * atomic writes, and onnxruntime-node registered as the runtime (onnxruntime-web as the fallback when
 * the native binding cannot load).
 */
import { registerOrtNodeBackend } from './ort-node-backend.ts';
import { registerOrtWebBackend } from '../web/ort-web-backend.ts';

registerOrtNodeBackend();
registerOrtWebBackend();

export * from '../core/index.ts';
export { openModel } from './open-model.ts';
export type { OpenModelOptions } from './open-model.ts';
export { loadModelFile, loadModelFileSync, NodeExternalDataReader } from './model-loader.ts';
export type { LoadModelOptions, LoadedModel } from './model-loader.ts';
export { loadImage, encodePng, savePng } from './image-io.ts';
export { readLabelsFile } from './labels.ts';
export { writeFileAtomic, mkdirp } from './atomic-write.ts';
export { createOrtNodeBackend, ortNodeBackend, ORT_NODE_BACKEND } from './ort-node-backend.ts';
export { createOrtWebBackend, ortWebBackend, ORT_WEB_BACKEND } from '../web/ort-web-backend.ts';
