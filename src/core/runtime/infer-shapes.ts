/**
 * Shapes of every tensor of a model, found by running it once. Static shape inference is fragile on
 * real exports (symbolic dims, Reshape targets computed by Shape/Gather/Concat subgraphs, custom
 * domains); running the model with every intermediate tensor exposed as an output (the `addOutputs`
 * rewrite) gives the true shapes for one concrete input shape, and optionally the values (feature maps).
 * Models with symbolic input dims need explicit input shapes (`--input-shape 1,3,48,192`).
 */
import { ConvlensError, ErrorCodes, isConvlensError } from '../errors.ts';
import { encodeModel } from '../onnx/codec.ts';
import { ModelView } from '../onnx/model-view.ts';
import { DataType } from '../onnx/proto-types.ts';
import type { ModelProto } from '../onnx/proto-types.ts';
import { addOutputs, allIntermediateTensors } from '../onnx/rewrite/add-outputs.ts';
import { sizeOf, type DType, type Tensor, type TypedArrayFor } from '../tensor.ts';
import type { Backend, Dim, Session, SessionOptions } from './backend.ts';
import { formatDims } from './ort-adapter.ts';
import { sha256Hex } from './hash.ts';
import type { SessionCache } from './session-cache.ts';

/** Shape and element type of one tensor for the input that was run; `value` when asked for. */
export interface TensorInfo {
  readonly dims: readonly number[];
  readonly dtype: DType;
  /** The tensor itself, present when {@link InferShapesOptions.keepValues} selects it. */
  readonly value?: Tensor;
}

/**
 * What to run: the actual input tensors, or shapes to run zeros of. With a single-input model,
 * `inputShapes` may be just the shape (`[1, 3, 224, 224]`). Omit it when every input dim is fixed.
 */
export type InferShapesInput = { feeds: Record<string, Tensor> } | { inputShapes: Record<string, readonly number[]> | readonly number[] };

/** Options for {@link inferShapesByRunning}. */
export interface InferShapesOptions {
  /**
   * Keep the tensors' values too (opt-in: it holds every activation in memory). `true` for all, or the
   * names to keep.
   *
   * @example `{ keepValues: ['/layer1/layer1.0/relu/Relu_output_0'] }`
   */
  keepValues?: boolean | readonly string[];
  /** Session options. Default `graphOptimization: 'disabled'`, so every tensor is computed as the file writes it. */
  sessionOptions?: SessionOptions;
  /** Model name in error messages (usually the file path). */
  source?: string;
  /**
   * Reuse sessions: the exposed-intermediates model is cached under rewrite key `'all-intermediates'`.
   * `modelHash` (sha256 of the original model's bytes) saves re-encoding the model to hash it.
   */
  cache?: SessionCache;
  modelHash?: string;
}

const DTYPE_OF_ELEM: Partial<Record<number, DType>> = {
  [DataType.FLOAT]: 'float32', [DataType.UINT8]: 'uint8', [DataType.INT8]: 'int8', [DataType.UINT16]: 'uint16', [DataType.INT16]: 'int16',
  [DataType.INT32]: 'int32', [DataType.INT64]: 'int64', [DataType.BOOL]: 'bool', [DataType.FLOAT16]: 'float16', [DataType.DOUBLE]: 'float64',
  [DataType.UINT32]: 'uint32', [DataType.UINT64]: 'uint64',
};

/** The convlens dtype of an ONNX `TensorProto.DataType`, or undefined (string, bfloat16, float8, int4...). */
export function dtypeOfElemType(elemType: number | undefined): DType | undefined {
  return elemType === undefined ? undefined : DTYPE_OF_ELEM[elemType];
}

const CTORS = {
  float32: Float32Array, float64: Float64Array, float16: Uint16Array, int8: Int8Array, uint8: Uint8Array, bool: Uint8Array, int16: Int16Array,
  uint16: Uint16Array, int32: Int32Array, uint32: Uint32Array, int64: BigInt64Array, uint64: BigUint64Array,
} as const;

/** A tensor of zeros of any dtype. */
export function zerosOf<D extends DType>(dtype: D, dims: readonly number[]): Tensor<D> {
  return { dtype, dims: [...dims], data: new CTORS[dtype](sizeOf(dims)) as TypedArrayFor<D> };
}

interface DeclaredInput {
  name: string;
  dtype: DType | undefined;
  dims: Dim[] | undefined;
}

const usageHint = (names: string[]) =>
  names.length === 1 ? 'pass the input shape, e.g. --input-shape 1,3,224,224' : `pass a shape for each input (${names.join(', ')})`;

/**
 * Runs `model` once with every intermediate tensor exposed and returns the shape and dtype of every
 * tensor of the main graph — the fed inputs first, then each node output in topological order.
 *
 * @throws ConvlensError E_INPUT_SHAPE when an input has symbolic dims and no shape is given, when a
 *   given shape contradicts the declared one (message shows expected vs given), or when the model
 *   cannot run at the given shape (e.g. a Flatten→Gemm sized for another resolution; names the node)
 * @throws ConvlensError E_RUNTIME when the runtime rejects the model
 * @example
 * ```ts
 * const shapes = await inferShapesByRunning(await resolveBackend(), model, { inputShapes: [1, 3, 48, 192] });
 * shapes.get('/layer1/layer1.0/relu/Relu_output_0')?.dims; // [1, 64, 12, 48]
 * ```
 */
export async function inferShapesByRunning(
  backend: Backend,
  model: ModelProto,
  input?: InferShapesInput,
  opts: InferShapesOptions = {},
): Promise<Map<string, TensorInfo>> {
  const view = new ModelView(model, { source: opts.source });
  const source = view.source;
  const declared: DeclaredInput[] = view.inputs.map((vi) => ({
    name: vi.name ?? '',
    dtype: dtypeOfElemType(vi.type?.tensorType?.elemType),
    dims: view.shape(vi.name ?? '')?.map((d) => (d === undefined ? null : d)),
  }));
  const feeds = makeFeeds(declared, input, source);

  const names = allIntermediateTensors(model);
  const exposed = addOutputs(model, names, { source, unknownType: 'omit' });
  const sessionOptions: SessionOptions = { graphOptimization: 'disabled', ...opts.sessionOptions, source };
  const run = async (session: Session): Promise<Record<string, Tensor>> => {
    try {
      return await session.run(feeds);
    } catch (e) {
      throw rephraseRunError(e, declared, feeds, source);
    }
  };
  let results: Record<string, Tensor>;
  if (opts.cache) {
    const key = { modelHash: opts.modelHash ?? (await sha256Hex(encodeModel(model))), rewriteKey: 'all-intermediates', backend, options: sessionOptions };
    results = await opts.cache.use(key, () => encodeModel(exposed), run);
  } else {
    const session = await backend.createSession(encodeModel(exposed), sessionOptions);
    try {
      results = await run(session);
    } finally {
      await session.release();
    }
  }

  const keep = opts.keepValues;
  const wants = (n: string) => keep === true || (Array.isArray(keep) && keep.includes(n));
  const out = new Map<string, TensorInfo>();
  const add = (n: string, t: Tensor | undefined) => {
    if (!t || out.has(n)) return;
    out.set(n, wants(n) ? { dims: [...t.dims], dtype: t.dtype, value: t } : { dims: [...t.dims], dtype: t.dtype });
  };
  for (const d of declared) add(d.name, feeds[d.name]);
  for (const node of view.topoOrder) for (const t of node.outputs) if (t !== '') add(t, results[t]);
  return out;
}

function makeFeeds(declared: DeclaredInput[], input: InferShapesInput | undefined, source: string): Record<string, Tensor> {
  const names = declared.map((d) => d.name);
  if (input && 'feeds' in input) return input.feeds;
  let shapes: Record<string, readonly number[]> = {};
  if (input && 'inputShapes' in input) {
    if (Array.isArray(input.inputShapes)) {
      if (declared.length !== 1) {
        throw new ConvlensError(ErrorCodes.INPUT_SHAPE, `${source} has ${declared.length} inputs (${names.join(', ')}); a single shape is ambiguous`, {
          hint: usageHint(names),
          details: { inputs: names },
        });
      }
      shapes = { [declared[0]!.name]: input.inputShapes as readonly number[] };
    } else {
      shapes = input.inputShapes as Record<string, readonly number[]>;
    }
    for (const k of Object.keys(shapes)) {
      if (!names.includes(k)) throw new ConvlensError(ErrorCodes.INPUT_SHAPE, `${source} has no input named '${k}'`, { hint: `its inputs are: ${names.join(', ')}`, details: { input: k } });
    }
  }
  const feeds: Record<string, Tensor> = {};
  for (const d of declared) {
    const given = shapes[d.name];
    if (d.dtype === undefined) {
      throw new ConvlensError(ErrorCodes.INPUT_SHAPE, `${source}: input '${d.name}' has no numeric element type convlens can feed`, {
        hint: 'pass the input tensors themselves (feeds)',
        details: { input: d.name },
      });
    }
    if (given) {
      if (given.some((x) => !Number.isInteger(x) || x < 0)) {
        throw new ConvlensError(ErrorCodes.INPUT_SHAPE, `${source}: shape [${given.join(', ')}] for input '${d.name}' must be non-negative integers`, { details: { input: d.name } });
      }
      const fits = d.dims === undefined || (d.dims.length === given.length && d.dims.every((x, i) => typeof x !== 'number' || x === given[i]));
      if (!fits) {
        throw new ConvlensError(
          ErrorCodes.INPUT_SHAPE,
          `${source}: input '${d.name}' is declared ${formatDims(d.dims)}, the given shape [${given.join(', ')}] does not fit it`,
          { hint: 'numbers in the declared shape are fixed; only named or ? dims may take the size you choose', details: { input: d.name, expected: d.dims, given: [...given] } },
        );
      }
      feeds[d.name] = zerosOf(d.dtype, given);
      continue;
    }
    if (d.dims === undefined || d.dims.some((x) => typeof x !== 'number')) {
      throw new ConvlensError(ErrorCodes.INPUT_SHAPE, `${source}: input '${d.name}' has shape ${formatDims(d.dims)} with symbolic or unknown dims; a concrete shape is needed to run it`, {
        hint: usageHint(names),
        details: { input: d.name, declared: d.dims },
      });
    }
    feeds[d.name] = zerosOf(d.dtype, d.dims as number[]);
  }
  return feeds;
}

const SHAPE_WORDS = /shape|dimension|dims|rank|broadcast|mismatch|size|axis|axes|invalid/i;

/** A run failure at a given input shape is usually that shape's fault: say so, with expected vs given. */
function rephraseRunError(e: unknown, declared: DeclaredInput[], feeds: Record<string, Tensor>, source: string): unknown {
  if (!isConvlensError(e)) return e;
  const shapes = declared.map((d) => `'${d.name}' [${feeds[d.name]?.dims.join(', ')}] (declared ${formatDims(d.dims)})`).join(', ');
  const details = e.details ?? {};
  if (e.code === ErrorCodes.INPUT_SHAPE) {
    return new ConvlensError(ErrorCodes.INPUT_SHAPE, `${e.message}; ran with ${shapes}`, { hint: e.hint, details, cause: e });
  }
  const op = details.op as string | undefined;
  const ortMsg = String(details.ortMessage ?? e.message);
  if (e.code === ErrorCodes.RUNTIME && op !== undefined && details.opset === undefined && SHAPE_WORDS.test(ortMsg)) {
    return new ConvlensError(ErrorCodes.INPUT_SHAPE, `${source} cannot run with input ${shapes}: ${op} node '${details.node}' fails: ${e.message.replace(/^.*? failed in [\w-]+: /, '')}`, {
      hint: 'a later layer fixes the size (e.g. Flatten→Gemm sized for the export resolution); use the input shape the model was exported with',
      details: { ...details, given: Object.fromEntries(declared.map((d) => [d.name, feeds[d.name]?.dims])), declared: Object.fromEntries(declared.map((d) => [d.name, d.dims])) },
      cause: e,
    });
  }
  return e;
}
