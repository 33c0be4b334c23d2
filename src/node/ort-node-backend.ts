/**
 * The onnxruntime-node backend: native ONNX Runtime (CPU execution provider by default) behind the
 * convlens {@link Backend} interface. `onnxruntime-node` is imported lazily in `init()`, so merely
 * registering the backend costs nothing and a broken native install falls through to the next backend.
 */
import { availableParallelism } from 'node:os';
import type { Backend, Session, SessionOptions } from '../core/runtime/backend.ts';
import { createOrtSession, ortModule, toOrtSessionOptions } from '../core/runtime/ort-adapter.ts';
import { registerBackend } from '../core/runtime/registry.ts';

/** Name under which the backend registers. */
export const ORT_NODE_BACKEND = 'onnxruntime-node';
/** Registry priority: preferred over onnxruntime-web (10) in Node. */
export const ORT_NODE_PRIORITY = 100;

type OrtNode = typeof import('onnxruntime-node');

/** Creates an onnxruntime-node backend (one per process is enough; {@link ortNodeBackend} is that one). */
export function createOrtNodeBackend(): Backend {
  let ort: OrtNode | undefined;
  let loading: Promise<OrtNode> | undefined;
  const load = (): Promise<OrtNode> => (loading ??= import('onnxruntime-node').then((m) => (ort = ortModule<OrtNode>(m))));
  return {
    name: ORT_NODE_BACKEND,
    async init() {
      await load();
    },
    async createSession(modelBytes: Uint8Array, opts: SessionOptions = {}): Promise<Session> {
      const rt = ort ?? (await load());
      const options = toOrtSessionOptions(opts, { executionProviders: ['cpu'], intraOpThreads: availableParallelism() });
      return createOrtSession(rt, modelBytes, options, { backend: ORT_NODE_BACKEND, source: opts.source, logLevel: opts.logLevel });
    },
  };
}

/** The process-wide onnxruntime-node backend. */
export const ortNodeBackend: Backend = createOrtNodeBackend();

/** Registers {@link ortNodeBackend} in the default registry (idempotent). */
export function registerOrtNodeBackend(): void {
  registerBackend(ORT_NODE_BACKEND, ortNodeBackend, ORT_NODE_PRIORITY);
}
