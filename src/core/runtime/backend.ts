/**
 * The documented surface every inference runtime implements (the convlens counterpart of
 * onnxruntime-common's `inference-session.ts`). The core only talks to a {@link Backend}; the Node
 * entry point registers onnxruntime-node and the web entry point registers onnxruntime-web (see
 * `registry.ts`). Nothing here imports `onnxruntime-*`.
 *
 * ## Element types
 * Feeds and results are convlens {@link Tensor}s. int64/uint64 travel as `BigInt64Array` /
 * `BigUint64Array`, float16 as the raw IEEE half bits in a `Uint16Array`, bool as 0/1 in a `Uint8Array`.
 *
 * ## float64
 * A float64 graph runs only if the runtime has a double kernel for every op in it. ONNX Runtime 1.30
 * (CPU in Node, wasm on the web — the two behave the same, checked by probing) has double kernels for
 * Relu, Sigmoid, Tanh, Exp, Log, Sqrt, Abs, Neg, Reciprocal, Floor, Softmax, LogSoftmax, Identity,
 * MaxPool, ReduceSum/Mean/Max, Transpose, Flatten, Add/Sub/Mul/Div, MatMul, Gemm, Pow, Max, Min,
 * and none for Conv, ConvTranspose, AveragePool, GlobalAveragePool, GlobalMaxPool, LRN,
 * InstanceNormalization, Erf, LeakyRelu, PRelu, Elu, Softplus, HardSigmoid. For those,
 * {@link Backend.createSession} fails with a `ConvlensError(E_RUNTIME)` naming the op, its opset and
 * the node (ORT's "Could not find an implementation for Conv(11) node with name 'x'") and
 * `details: { op, opset, node }`; run the graph in float32 instead.
 */
import type { DType, Tensor } from '../tensor.ts';

/** A dimension as the model declares it: a fixed size, a symbolic name (`'batch'`, `'N'`), or `null` when unnamed and unknown. */
export type Dim = number | string | null;

/** Name, element type and declared shape of one model input or output. */
export interface ValueMetadata {
  readonly name: string;
  /** Element type; `undefined` for non-tensor values (sequences, maps) and for `string` tensors. */
  readonly dtype: DType | undefined;
  /** Declared shape; `undefined` when the model declares no shape at all (rank unknown). */
  readonly dims: readonly Dim[] | undefined;
}

/** How much ONNX Runtime may rewrite the graph before running it. */
export type GraphOptimization = 'all' | 'basic' | 'disabled';

/** How chatty the runtime may be on stderr. */
export type RuntimeLogLevel = 'verbose' | 'info' | 'warning' | 'error' | 'fatal';

/** Options for {@link Backend.createSession}. Every field is optional; the defaults suit one-off analyses. */
export interface SessionOptions {
  /**
   * Threads used inside one operator (ORT `intraOpNumThreads`).
   *
   * Default: the number of cores (`os.availableParallelism()` in Node, `navigator.hardwareConcurrency`
   * in a cross-origin-isolated browser). onnxruntime-web in Node, and in browsers without
   * cross-origin isolation, is single-threaded; there this option is clamped to the wasm thread count.
   *
   * @example `{ intraOpThreads: 2 }` — leave cores free for a web server in the same process.
   */
  intraOpThreads?: number;
  /**
   * Threads used to run independent operators in parallel (ORT `interOpNumThreads`). Only has an
   * effect in runtimes with a parallel executor (onnxruntime-node). Default: ORT's own default.
   *
   * @example `{ interOpThreads: 1 }`
   */
  interOpThreads?: number;
  /**
   * Graph optimization level: `'all'` (default; fuses Conv+BN+Relu etc.), `'basic'` (constant folding
   * and redundant-node removal only), `'disabled'` (run the graph exactly as written — use it when
   * you need every intermediate tensor exactly as the exporter wrote it).
   *
   * @example `{ graphOptimization: 'disabled' }`
   */
  graphOptimization?: GraphOptimization;
  /**
   * Execution providers to try, in order, with the names of the backend's runtime. Default: `['cpu']`
   * for onnxruntime-node, `['wasm']` for onnxruntime-web (where `'cpu'` is read as `'wasm'`).
   *
   * @example `{ executionProviders: ['cuda', 'cpu'] }` with an onnxruntime-node build that has CUDA.
   */
  executionProviders?: string[];
  /**
   * Minimum severity of runtime log messages printed to stderr. Default `'fatal'`: ORT's warnings
   * (unused initializers, ...) are noise for a CLI user, and every error ORT returns already reaches
   * the caller as a ConvlensError, so ORT printing it as well would show it twice.
   *
   * @example `{ logLevel: 'verbose' }` when debugging a model ORT rejects.
   */
  logLevel?: RuntimeLogLevel;
  /**
   * Name of the model shown in error messages (usually its file path). Not part of the session's
   * identity: the session cache ignores it.
   *
   * @example `{ source: 'models/resnet18.onnx' }`
   */
  source?: string;
}

/** A loaded model, ready to run. Created by {@link Backend.createSession}; free it with {@link Session.release}. */
export interface Session {
  /** Name of the backend that created the session (`'onnxruntime-node'`, `'onnxruntime-web'`). */
  readonly backend: string;
  /** Graph inputs that must be fed (initializers that old exporters also list as inputs excluded by ORT). */
  readonly inputNames: readonly string[];
  /** Graph outputs, in declaration order. */
  readonly outputNames: readonly string[];
  /** Declared dtype and shape (including symbolic dims) of each input, in {@link inputNames} order. */
  readonly inputMetadata: readonly ValueMetadata[];
  /** Declared dtype and shape of each output, in {@link outputNames} order. */
  readonly outputMetadata: readonly ValueMetadata[];
  /**
   * Runs the model once.
   *
   * @param feeds one tensor per name in {@link inputNames}. Their dtype and rank must match the
   *   declaration, and fixed dims must match; otherwise a `ConvlensError(E_INPUT_SHAPE)` says which
   *   input, what was expected and what was given.
   * @param outputs names of the outputs to compute (default: all). Only graph outputs can be
   *   fetched — expose intermediate tensors first with the `addOutputs` rewrite.
   * @returns the requested outputs, copied out of the runtime (they stay valid after `release()`).
   * @throws ConvlensError E_RUNTIME (naming the node and op when the runtime says which failed)
   */
  run(feeds: Record<string, Tensor>, outputs?: readonly string[]): Promise<Record<string, Tensor>>;
  /** Frees the runtime's memory for this model. Idempotent; `run` afterwards throws E_RUNTIME. */
  release(): Promise<void>;
}

/** An inference runtime. Register one with `registerBackend`; pick one with `resolveBackend`. */
export interface Backend {
  /** Stable name, e.g. `'onnxruntime-node'`. */
  readonly name: string;
  /**
   * Loads the runtime (dynamic import, wasm instantiation, native binding). Called by `resolveBackend`
   * before the backend is first used; a backend whose `init` throws is skipped in favour of the next.
   * Must be idempotent. Optional: a backend without it is considered ready.
   */
  init?(): Promise<void>;
  /**
   * Loads a model.
   * @param modelBytes the serialized `ModelProto` (e.g. from `encodeModel`)
   * @throws ConvlensError E_RUNTIME when the runtime rejects the model (message names the op/node when known)
   */
  createSession(modelBytes: Uint8Array, opts?: SessionOptions): Promise<Session>;
}
