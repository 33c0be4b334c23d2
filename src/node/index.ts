/**
 * The Node entry point of convlens (`import ... from 'convlens'`). For now it only registers the
 * runtimes: onnxruntime-node first, onnxruntime-web (wasm) as the fallback when the native binding
 * cannot load. Other modules add their exports here.
 */
import { registerOrtNodeBackend } from './ort-node-backend.ts';
import { registerOrtWebBackend } from '../web/ort-web-backend.ts';

registerOrtNodeBackend();
registerOrtWebBackend();

export * from '../core/runtime/index.ts';
export { createOrtNodeBackend, ortNodeBackend, ORT_NODE_BACKEND } from './ort-node-backend.ts';
export { createOrtWebBackend, ortWebBackend, ORT_WEB_BACKEND } from '../web/ort-web-backend.ts';
