/**
 * `openModel(path)`: the Node entry to the library. Loads and validates an .onnx file (size caps,
 * pickle refusal, external data confined to the model's folder), registers onnxruntime-node, and
 * returns a {@link Lens}.
 */
import { Lens } from '../core/lens.ts';
import type { LensOptions } from '../core/lens.ts';
import { resolveBackend } from '../core/runtime/registry.ts';
import { loadModelFile } from './model-loader.ts';
import type { LoadModelOptions } from './model-loader.ts';
import { registerOrtNodeBackend } from './ort-node-backend.ts';

export interface OpenModelOptions extends LoadModelOptions, Partial<Omit<LensOptions, 'source' | 'sha256' | 'external'>> {
  /** Preferred backend name(s), e.g. 'onnxruntime-web'. Default: the highest-priority registered backend. */
  preferBackend?: string | string[];
}

/**
 * Opens an ONNX model file.
 * @example
 * const lens = await openModel('models/shapes-cnn.onnx');
 * const table = await lens.layers();
 */
export async function openModel(path: string, opts: OpenModelOptions = {}): Promise<Lens> {
  registerOrtNodeBackend();
  const loaded = await loadModelFile(path, opts);
  const backend = opts.backend ?? (await resolveBackend(opts.preferBackend));
  return new Lens(loaded.model, {
    backend,
    source: path,
    sha256: loaded.sha256,
    external: loaded.external,
    sessionOptions: opts.sessionOptions,
    maxSessions: opts.maxSessions,
  });
}
