/**
 * The onnxruntime-web backend: ONNX Runtime compiled to WebAssembly (the `wasm` execution provider)
 * behind the convlens {@link Backend} interface. It runs in browsers, in web workers and in Node
 * (where tests use it to check that graphs convlens emits run under the wasm build too).
 *
 * ## Finding the .wasm files
 * `import('onnxruntime-web')` resolves, through the package's `exports`, to `dist/ort.node.min.mjs` in
 * Node and to `dist/ort.bundle.min.mjs` for bundlers/browsers. With `env.wasm.wasmPaths` unset,
 * onnxruntime-web 1.30 in Node imports `./ort-wasm-simd-threaded.mjs` relative to its own module and
 * that Emscripten loader finds `ort-wasm-simd-threaded.wasm` beside itself, i.e. both are loaded from
 * `node_modules/onnxruntime-web/dist/` with no configuration. A page served from elsewhere (or a
 * bundler that moves the files) sets {@link OrtWebBackendOptions.wasmPaths} to the folder or URL
 * prefix holding them; in Node that may be a `file://` URL of `node_modules/onnxruntime-web/dist/`.
 *
 * ## Threads
 * The wasm thread pool is process-wide and fixed when the first session is created. In Node it is
 * 1 thread (ORT's Node build would otherwise pick min(4, cores/2) worker threads, which convlens
 * does not want inside a CLI or a test worker); in a cross-origin-isolated page it is
 * `navigator.hardwareConcurrency`; elsewhere 1 (no SharedArrayBuffer).
 */
import { ConvlensError, ErrorCodes } from '../core/errors.ts';
import type { Backend, Session, SessionOptions } from '../core/runtime/backend.ts';
import { createOrtSession, ortModule, toOrtSessionOptions } from '../core/runtime/ort-adapter.ts';
import { registerBackend } from '../core/runtime/registry.ts';

/** Name under which the backend registers. */
export const ORT_WEB_BACKEND = 'onnxruntime-web';
/** Registry priority: below onnxruntime-node (100), so Node uses the native build when it loads. */
export const ORT_WEB_PRIORITY = 10;

type OrtWeb = typeof import('onnxruntime-web');

/**
 * Options for {@link createOrtWebBackend}. They set onnxruntime-web's process-wide `env.wasm` once,
 * at `init()` (so two onnxruntime-web backends in one process share the settings of the first to load).
 */
export interface OrtWebBackendOptions {
  /**
   * Where the `ort-wasm-simd-threaded.{mjs,wasm}` files are: a folder URL/path prefix ending in `/`, or
   * `{ mjs, wasm }` URLs. Default: onnxruntime-web's own lookup (next to its module, see the header).
   *
   * @example `{ wasmPaths: 'https://cdn.jsdelivr.net/npm/onnxruntime-web@1.30.0/dist/' }`
   * @example `{ wasmPaths: pathToFileURL(dirname(require.resolve('onnxruntime-web/ort-wasm-simd-threaded.wasm'))).href + '/' }` in Node
   */
  wasmPaths?: string | { mjs?: string; wasm?: string };
  /**
   * Size of the wasm thread pool. Default 1 in Node and in pages without cross-origin isolation,
   * `navigator.hardwareConcurrency` in cross-origin-isolated pages.
   *
   * @example `{ numThreads: 4 }`
   */
  numThreads?: number;
  /**
   * Run inference in onnxruntime-web's proxy worker so the page's main thread stays responsive.
   * Default false (and always false in Node). Not needed when convlens itself runs in a worker.
   *
   * @example `{ proxy: true }`
   */
  proxy?: boolean;
}

function isNode(): boolean {
  return typeof (globalThis as { process?: { versions?: { node?: string } } }).process?.versions?.node === 'string';
}

function defaultThreads(): number {
  if (isNode()) return 1;
  const g = globalThis as { crossOriginIsolated?: boolean; navigator?: { hardwareConcurrency?: number } };
  return g.crossOriginIsolated ? Math.max(1, g.navigator?.hardwareConcurrency ?? 1) : 1;
}

/** An onnxruntime-web backend whose wasm settings can still be changed until it loads. */
export interface OrtWebBackend extends Backend {
  /**
   * Changes the settings before the runtime loads (e.g. `wasmPaths` for a page that serves the .wasm
   * files itself). Throws E_RUNTIME once the backend has initialized: the wasm module is loaded once.
   */
  configure(options: OrtWebBackendOptions): void;
}

/** Creates an onnxruntime-web (wasm) backend. */
export function createOrtWebBackend(options: OrtWebBackendOptions = {}): OrtWebBackend {
  let ort: OrtWeb | undefined;
  let loading: Promise<OrtWeb> | undefined;
  let settings: OrtWebBackendOptions = { ...options };
  const numThreads = (): number => settings.numThreads ?? defaultThreads();
  const load = (): Promise<OrtWeb> =>
    (loading ??= import('onnxruntime-web').then((m) => {
      const rt = ortModule<OrtWeb>(m);
      const w = rt.env.wasm;
      w.numThreads = numThreads();
      w.proxy = isNode() ? false : (settings.proxy ?? false);
      if (settings.wasmPaths !== undefined) w.wasmPaths = settings.wasmPaths as never;
      ort = rt;
      return rt;
    }));
  return {
    name: ORT_WEB_BACKEND,
    configure(o: OrtWebBackendOptions) {
      if (loading) {
        throw new ConvlensError(ErrorCodes.RUNTIME, 'onnxruntime-web is already loaded; its wasm settings can no longer change', {
          hint: 'configure the backend before the first session is created',
        });
      }
      settings = { ...settings, ...o };
    },
    async init() {
      await load();
    },
    async createSession(modelBytes: Uint8Array, opts: SessionOptions = {}): Promise<Session> {
      const rt = ort ?? (await load());
      // 'cpu' would select whichever onnxruntime-common backend claims that name; be explicit.
      const eps = (opts.executionProviders ?? ['wasm']).map((ep) => (ep === 'cpu' ? 'wasm' : ep));
      const threads = rt.env.wasm.numThreads ?? numThreads();
      const o = toOrtSessionOptions({ ...opts, executionProviders: eps }, { executionProviders: ['wasm'], intraOpThreads: threads, maxIntraOpThreads: threads });
      return createOrtSession(rt, modelBytes, o, { backend: ORT_WEB_BACKEND, source: opts.source, logLevel: opts.logLevel });
    },
  };
}

/** The default onnxruntime-web backend (ORT's own .wasm lookup, default threads); change it with `ortWebBackend.configure(...)`. */
export const ortWebBackend: OrtWebBackend = createOrtWebBackend();

/**
 * Registers an onnxruntime-web backend in the default registry.
 * @param backend default {@link ortWebBackend}; pass `createOrtWebBackend({ wasmPaths })` to relocate the .wasm files
 */
export function registerOrtWebBackend(backend: Backend = ortWebBackend): void {
  registerBackend(ORT_WEB_BACKEND, backend, ORT_WEB_PRIORITY);
}
