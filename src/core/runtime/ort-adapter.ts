/**
 * What the onnxruntime-node and onnxruntime-web backends share: converting convlens tensors to and
 * from onnxruntime-common `Tensor`s, mapping {@link SessionOptions} to ORT's session options,
 * turning ORT's error strings into ConvlensErrors, and wrapping an ORT `InferenceSession` as a
 * convlens {@link Session}; and, given the runtime's module object, creating that session
 * ({@link createOrtSession}).
 *
 * It lives in the core although it is about ORT because it imports nothing from `onnxruntime-*`:
 * it is written against structural types ({@link OrtTensorLike}, {@link OrtSessionLike}) and the
 * adapter passes in its runtime's `Tensor` constructor (or its whole module object, {@link OrtModuleLike}). That matters beyond style: onnxruntime-node
 * is CommonJS and onnxruntime-web's Node build is ESM, so in one process they load two copies of
 * onnxruntime-common whose `Tensor` classes differ (`ortNode.Tensor !== ortWeb.Tensor`); one converter
 * that takes the constructor serves both.
 */
import { ConvlensError, ErrorCodes } from '../errors.ts';
import { sizeOf, type DType, type Tensor } from '../tensor.ts';
import type { Dim, Session, SessionOptions, ValueMetadata } from './backend.ts';

/** The part of onnxruntime-common's `Tensor` that convlens uses. */
export interface OrtTensorLike {
  readonly type: string;
  readonly dims: readonly number[];
  readonly data: unknown;
}

/** onnxruntime-common's `Tensor` constructor (`new ort.Tensor(type, data, dims)`). */
export type OrtTensorCtor = new (type: DType, data: ArrayBufferView, dims: readonly number[]) => OrtTensorLike;

/** onnxruntime-common's `InferenceSession.ValueMetadata`. */
export interface OrtValueMetadataLike {
  readonly name: string;
  readonly isTensor: boolean;
  readonly type?: string;
  readonly shape?: readonly (number | string)[];
}

/** The part of onnxruntime-common's `InferenceSession` that convlens uses. */
export interface OrtSessionLike {
  readonly inputNames: readonly string[];
  readonly outputNames: readonly string[];
  readonly inputMetadata?: readonly OrtValueMetadataLike[];
  readonly outputMetadata?: readonly OrtValueMetadataLike[];
  run(feeds: Record<string, OrtTensorLike>, fetches?: readonly string[], options?: { logSeverityLevel?: number }): Promise<Record<string, OrtTensorLike>>;
  release(): Promise<void>;
}

const DTYPES: ReadonlySet<string> = new Set<DType>(['float32', 'float64', 'float16', 'int8', 'uint8', 'int16', 'uint16', 'int32', 'uint32', 'int64', 'uint64', 'bool']);

/** Converts a convlens tensor to an ORT tensor (no copy: ORT reads the same typed array). */
export function toOrtTensor(Ctor: OrtTensorCtor, t: Tensor): OrtTensorLike {
  return new Ctor(t.dtype, t.data as ArrayBufferView, t.dims);
}

/**
 * Converts an ORT tensor to a convlens tensor. float16 comes back as raw half bits in a `Uint16Array`
 * even where ORT hands out a `Float16Array`; int64/uint64 as BigInt64Array/BigUint64Array; bool as Uint8Array.
 * @param name tensor name, for the error message when the element type has no convlens dtype (string, int4)
 */
export function fromOrtTensor(t: OrtTensorLike, name = 'tensor'): Tensor {
  if (!DTYPES.has(t.type)) {
    throw new ConvlensError(ErrorCodes.RUNTIME, `${name} has element type ${t.type}, which convlens cannot represent`, {
      hint: 'only numeric and bool tensors are supported; fetch another output',
      details: { tensor: name, type: t.type },
    });
  }
  const dtype = t.type as DType;
  let data = t.data as ArrayBufferView & { length: number };
  // Where the host has Float16Array, ORT returns float16 data as one: reinterpret its bytes as half bits.
  if (dtype === 'float16' && !(data instanceof Uint16Array)) data = new Uint16Array(data.buffer, data.byteOffset, data.length);
  const dims = [...t.dims];
  if (data.length !== sizeOf(dims)) {
    throw new ConvlensError(ErrorCodes.RUNTIME, `${name}: the runtime returned ${data.length} elements for shape [${dims.join(', ')}]`, { details: { tensor: name } });
  }
  return { dtype, dims, data } as Tensor;
}

/**
 * ORT's `ValueMetadata` as convlens {@link ValueMetadata}: unknown dims (`''`, `-1`, or 2^32−1 from the
 * wasm build) become `null`. ORT reports a value with no declared shape as `[]`, the same as a scalar;
 * convlens reads `[]` as "rank unknown" (`dims: undefined`) so that undeclared shapes are not refused.
 */
export function toValueMetadata(m: OrtValueMetadataLike): ValueMetadata {
  const dtype = m.isTensor && m.type !== undefined && DTYPES.has(m.type) ? (m.type as DType) : undefined;
  const shape = m.shape && m.shape.length > 0 ? m.shape : undefined;
  const dims = shape?.map((d): Dim => (typeof d === 'string' ? (d === '' ? null : d) : d < 0 || d >= 0xffffffff ? null : d));
  return { name: m.name, dtype, dims };
}

const SEVERITY = { verbose: 0, info: 1, warning: 2, error: 3, fatal: 4 } as const;

/**
 * Maps convlens {@link SessionOptions} to ORT's `InferenceSession.SessionOptions`.
 * @param defaults the adapter's defaults (its execution providers and thread count)
 */
export function toOrtSessionOptions(opts: SessionOptions, defaults: { executionProviders: string[]; intraOpThreads?: number; maxIntraOpThreads?: number }): Record<string, unknown> {
  const o: Record<string, unknown> = {
    executionProviders: opts.executionProviders ?? defaults.executionProviders,
    graphOptimizationLevel: opts.graphOptimization ?? 'all',
    logSeverityLevel: SEVERITY[opts.logLevel ?? 'fatal'],
  };
  let intra = opts.intraOpThreads ?? defaults.intraOpThreads;
  if (intra !== undefined && defaults.maxIntraOpThreads !== undefined) intra = Math.min(intra, defaults.maxIntraOpThreads);
  if (intra !== undefined) o.intraOpNumThreads = checkThreads('intraOpThreads', intra);
  if (opts.interOpThreads !== undefined) {
    o.interOpNumThreads = checkThreads('interOpThreads', opts.interOpThreads);
    // ORT only uses the inter-op pool with the parallel executor.
    if (opts.interOpThreads > 1) o.executionMode = 'parallel';
  }
  return o;
}

function checkThreads(what: string, n: number): number {
  if (!Number.isInteger(n) || n < 1) throw new ConvlensError(ErrorCodes.BAD_USAGE, `${what} must be a positive integer, got ${n}`);
  return n;
}

/** Context for {@link translateOrtError}. */
export interface ErrorContext {
  backend: string;
  /** Model name for the message (file path), default `'model'`. */
  source?: string;
  phase: 'load' | 'run';
}

/** Strips the wrappers onnxruntime-web and the C API put around ORT's own message. */
export function ortMessage(e: unknown): string {
  let m = e instanceof Error ? e.message : String(e);
  m = m.replace(/^(?:Can't create a session|failed to call OrtRun\(\)|[\w ]+failed)\. ERROR_CODE: \d+, ERROR_MESSAGE: /, '');
  m = m.replace(/^\[ONNXRuntimeError\] : \d+ : \w+ : /, '');
  return m.trim();
}

/**
 * Turns an error thrown by ONNX Runtime into a ConvlensError. Recognized messages:
 * - `Could not find an implementation for Op(opset) node with name 'n'` → E_RUNTIME naming op, opset and node
 *   (typically a float64 graph with an op that has only float32 kernels);
 * - `Non-zero status code returned while running Op node. Name:'n' Status Message: ...` → E_RUNTIME naming op and node;
 * - `Got invalid dimensions for input: x ...`, `Invalid rank for input: x ...`, `Unexpected input data type ...` → E_INPUT_SHAPE;
 * - anything else → E_RUNTIME with ORT's message.
 * `details` carries `{ backend, source, op?, opset?, node?, input? }`.
 */
export function translateOrtError(e: unknown, ctx: ErrorContext): ConvlensError {
  if (e instanceof ConvlensError) return e;
  const source = ctx.source ?? 'model';
  const msg = ortMessage(e);
  const base = { backend: ctx.backend, source, ortMessage: msg };
  let m = /Could not find an implementation for (\w+)\((\d+)\) node with name '([^']*)'/.exec(msg);
  if (m) {
    const [, op, opset, node] = m;
    return new ConvlensError(ErrorCodes.RUNTIME, `${source}: ${ctx.backend} has no kernel for ${op} (opset ${opset}) node '${node}' with the element types it is given`, {
      hint: 'ONNX Runtime has no float64 kernel for this op (Conv, ConvTranspose, AveragePool, GlobalAveragePool, LRN, Erf, LeakyRelu, PRelu... are float32-only); run the graph in float32',
      details: { ...base, op, opset: Number(opset), node },
      cause: e,
    });
  }
  m = /Non-zero status code returned while running (\w+) node\. Name:'([^']*)' Status Message: ([\s\S]*)/.exec(msg);
  if (m) {
    const [, op, node, status] = m;
    return new ConvlensError(ErrorCodes.RUNTIME, `${source}: ${op} node '${node}' failed in ${ctx.backend}: ${oneLine(status!)}`, {
      hint: 'check the input shape the model expects (convlens inspect) and that the model runs in onnxruntime',
      details: { ...base, op, node },
      cause: e,
    });
  }
  m = /Got invalid dimensions for input: (\S+) for the following indices([\s\S]*?)(?:Please fix|$)/.exec(msg);
  if (m) {
    const [, input, rest] = m;
    const diffs = [...rest!.matchAll(/index: (\d+) Got: (\d+) Expected: (\d+)/g)].map((x) => `dim ${x[1]} is ${x[2]}, expected ${x[3]}`);
    return new ConvlensError(ErrorCodes.INPUT_SHAPE, `${source}: input '${input}' has the wrong shape: ${diffs.join(', ')}`, {
      hint: 'resize or reshape the input to the shape the model declares (convlens inspect shows it)',
      details: { ...base, input },
      cause: e,
    });
  }
  m = /Invalid rank for input: (\S+) Got: (\d+) Expected: (\d+)/.exec(msg);
  if (m) {
    return new ConvlensError(ErrorCodes.INPUT_SHAPE, `${source}: input '${m[1]}' has ${m[2]} dimensions, the model expects ${m[3]}`, {
      hint: 'give the input in the layout the model declares (e.g. N,C,H,W with a batch dimension)',
      details: { ...base, input: m[1] },
      cause: e,
    });
  }
  m = /Unexpected input data type\. Actual: \((tensor\(\w+\))\) , expected: \((tensor\(\w+\))\)/.exec(msg);
  if (m) {
    return new ConvlensError(ErrorCodes.INPUT_SHAPE, `${source}: an input has element type ${ortTypeName(m[1]!)}, the model expects ${ortTypeName(m[2]!)}`, {
      hint: 'convert the input to the element type the model declares',
      details: base,
      cause: e,
    });
  }
  const what = ctx.phase === 'load' ? `${ctx.backend} could not load ${source}` : `${ctx.backend} failed to run ${source}`;
  return new ConvlensError(ErrorCodes.RUNTIME, `${what}: ${oneLine(msg)}`, {
    hint: ctx.phase === 'load' ? 'check that the file is a valid ONNX model with opsets this ONNX Runtime supports' : 'check the inputs against the model (convlens inspect)',
    details: base,
    cause: e,
  });
}

const ORT_TYPE_NAMES: Record<string, string> = { float: 'float32', double: 'float64', float16: 'float16', int64: 'int64', int32: 'int32', uint8: 'uint8', int8: 'int8', bool: 'bool' };

/** `tensor(float)` → `float32` (ORT's C type names to convlens dtypes). */
function ortTypeName(t: string): string {
  const inner = /^tensor\((\w+)\)$/.exec(t)?.[1] ?? t;
  return ORT_TYPE_NAMES[inner] ?? inner;
}

function oneLine(s: string): string {
  return s.replace(/\s*\n\s*/g, ' ').trim();
}

/** Formats a declared shape for messages: `[N, 3, 224, 224]`, unknown dims as `?`. */
export function formatDims(dims: readonly Dim[] | undefined): string {
  return dims === undefined ? '[?]' : `[${dims.map((d) => (d === null ? '?' : String(d))).join(', ')}]`;
}

/**
 * Checks feeds against the declared inputs before ORT sees them, so the error names the input and
 * shows expected vs given. Throws ConvlensError(E_INPUT_SHAPE).
 */
export function checkFeeds(feeds: Record<string, Tensor>, inputs: readonly ValueMetadata[], source = 'model'): void {
  const names = inputs.map((i) => i.name);
  for (const k of Object.keys(feeds)) {
    if (!names.includes(k)) {
      throw new ConvlensError(ErrorCodes.INPUT_SHAPE, `${source} has no input named '${k}'`, {
        hint: `its inputs are: ${names.join(', ') || '(none)'}`,
        details: { input: k, inputs: names },
      });
    }
  }
  for (const inp of inputs) {
    const t = feeds[inp.name];
    if (!t) {
      throw new ConvlensError(ErrorCodes.INPUT_SHAPE, `${source}: no value given for input '${inp.name}' (${inp.dtype ?? '?'} ${formatDims(inp.dims)})`, {
        hint: `feed every input: ${names.join(', ')}`,
        details: { input: inp.name },
      });
    }
    if (inp.dtype !== undefined && t.dtype !== inp.dtype) {
      throw new ConvlensError(ErrorCodes.INPUT_SHAPE, `${source}: input '${inp.name}' is ${t.dtype}, the model expects ${inp.dtype}`, {
        hint: `convert the input to ${inp.dtype}`,
        details: { input: inp.name, expectedDtype: inp.dtype, givenDtype: t.dtype },
      });
    }
    if (inp.dims !== undefined) {
      const bad = inp.dims.length !== t.dims.length || inp.dims.some((d, i) => typeof d === 'number' && d !== t.dims[i]);
      if (bad) {
        throw new ConvlensError(ErrorCodes.INPUT_SHAPE, `${source}: input '${inp.name}' has shape [${t.dims.join(', ')}], the model expects ${formatDims(inp.dims)}`, {
          hint: 'symbolic dims (names) and ? may take any size; numbers must match exactly',
          details: { input: inp.name, expected: inp.dims, given: [...t.dims] },
        });
      }
    }
  }
}

/** Options for {@link wrapOrtSession}. */
export interface WrapOptions {
  backend: string;
  Tensor: OrtTensorCtor;
  source?: string;
  /** The session's log level, also applied to each run (ORT logs run-time kernel errors through the run's logger). */
  logLevel?: SessionOptions['logLevel'];
}

/** Wraps an ORT `InferenceSession` as a convlens {@link Session} (checks feeds, converts tensors, translates errors). */
export function wrapOrtSession(s: OrtSessionLike, o: WrapOptions): Session {
  const meta = (names: readonly string[], m: readonly OrtValueMetadataLike[] | undefined): ValueMetadata[] =>
    names.map((name, i) => {
      const md = m?.find((x) => x.name === name) ?? m?.[i];
      return md ? toValueMetadata(md) : { name, dtype: undefined, dims: undefined };
    });
  const inputMetadata = meta(s.inputNames, s.inputMetadata);
  const outputMetadata = meta(s.outputNames, s.outputMetadata);
  const source = o.source ?? 'model';
  let released = false;
  const pending = new Set<Promise<unknown>>();
  return {
    backend: o.backend,
    inputNames: [...s.inputNames],
    outputNames: [...s.outputNames],
    inputMetadata,
    outputMetadata,
    async run(feeds, outputs) {
      if (released) throw new ConvlensError(ErrorCodes.RUNTIME, `the ${o.backend} session for ${source} was already released`, { hint: 'create a new session' });
      checkFeeds(feeds, inputMetadata, source);
      const fetch = outputs ? [...outputs] : [...s.outputNames];
      const unknown = fetch.filter((n) => !s.outputNames.includes(n));
      if (unknown.length > 0) {
        throw new ConvlensError(ErrorCodes.RUNTIME, `${source} has no output named ${unknown.map((n) => `'${n}'`).join(', ')}`, {
          hint: `its outputs are: ${s.outputNames.join(', ')}; expose intermediate tensors with the addOutputs rewrite`,
          details: { unknown, outputs: [...s.outputNames] },
        });
      }
      const ortFeeds: Record<string, OrtTensorLike> = {};
      for (const [k, t] of Object.entries(feeds)) ortFeeds[k] = toOrtTensor(o.Tensor, t);
      const p = s.run(ortFeeds, fetch, { logSeverityLevel: SEVERITY[o.logLevel ?? 'fatal'] });
      pending.add(p);
      let res: Record<string, OrtTensorLike>;
      try {
        res = await p;
      } catch (e) {
        throw translateOrtError(e, { backend: o.backend, source, phase: 'run' });
      } finally {
        pending.delete(p);
      }
      const out: Record<string, Tensor> = {};
      for (const n of fetch) out[n] = fromOrtTensor(res[n]!, n);
      return out;
    },
    async release() {
      if (released) return;
      released = true;
      // Never free a model under a run that is still going: wait for the runs already started.
      await Promise.allSettled([...pending]);
      await s.release();
    },
  };
}

/**
 * The part of an onnxruntime module object (what `import('onnxruntime-node')` or
 * `import('onnxruntime-web')` gives, see {@link ortModule}) that {@link createOrtSession} uses.
 */
export interface OrtModuleLike {
  readonly InferenceSession: { create(model: Uint8Array, options: never): Promise<unknown> };
  readonly Tensor: unknown;
}

/**
 * The ORT namespace of a dynamically imported onnxruntime module: the module itself when it was loaded
 * as ESM, its `default` when a CommonJS build (onnxruntime-node) comes wrapped in one.
 */
export function ortModule<T>(m: unknown): T {
  return ((m as { default?: T }).default ?? m) as T;
}

/**
 * Creates an ORT `InferenceSession` from model bytes with ORT session options (from
 * {@link toOrtSessionOptions}) and wraps it with {@link wrapOrtSession}, using the module's own
 * `Tensor` class. A model ORT cannot load becomes a ConvlensError ({@link translateOrtError}, phase 'load').
 */
export async function createOrtSession(ort: OrtModuleLike, modelBytes: Uint8Array, ortOptions: Record<string, unknown>, o: Omit<WrapOptions, 'Tensor'>): Promise<Session> {
  let s: OrtSessionLike;
  try {
    s = (await ort.InferenceSession.create(modelBytes, ortOptions as never)) as OrtSessionLike;
  } catch (e) {
    throw translateOrtError(e, { backend: o.backend, source: o.source, phase: 'load' });
  }
  return wrapOrtSession(s, { ...o, Tensor: ort.Tensor as OrtTensorCtor });
}
