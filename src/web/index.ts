/**
 * The browser entry point of convlens (`import ... from 'convlens/web'`). For now it only registers
 * the onnxruntime-web (wasm) runtime; other modules add their exports here.
 */
import { registerOrtWebBackend } from './ort-web-backend.ts';

registerOrtWebBackend();

export * from '../core/runtime/index.ts';
export { createOrtWebBackend, ortWebBackend, ORT_WEB_BACKEND, type OrtWebBackend, type OrtWebBackendOptions } from './ort-web-backend.ts';
