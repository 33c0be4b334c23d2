/**
 * `Lens`: one opened model and everything convlens knows about it — the read-only graph view, its
 * input (layout, preprocessing, labels), shapes of every tensor for a concrete input, the layer table,
 * and cached runtime sessions for the rewrites that the methods need (plain forward, forward with
 * chosen intermediates exposed). Every command and the studio go through it, so a model is parsed once
 * and each rewrite gets one session. Isomorphic: file loading and the runtime are injected by the
 * node/web entry points (`openModel` in src/node).
 */
import { ConvlensError, ErrorCodes } from './errors.ts';
import type { Tensor } from './tensor.ts';
import { sizeOf } from './tensor.ts';
import { encodeModel } from './onnx/codec.ts';
import type { ModelProto } from './onnx/proto-types.ts';
import { ModelView } from './onnx/model-view.ts';
import { addOutputs } from './onnx/rewrite/add-outputs.ts';
import { readTensor } from './onnx/tensor-data.ts';
import type { ExternalDataReader } from './onnx/tensor-data.ts';
import { humanNames } from './onnx/layer-names.ts';
import { layerTable } from './inspect/layer-table.ts';
import type { LayerTable } from './inspect/layer-table.ts';
import type { Backend, Session, SessionOptions } from './runtime/backend.ts';
import { SessionCache } from './runtime/session-cache.ts';
import { sha256Hex } from './runtime/hash.ts';
import { inferShapesByRunning, dtypeOfElemType } from './runtime/infer-shapes.ts';
import type { TensorInfo } from './runtime/infer-shapes.ts';
import { inferInputLayout } from './image/preprocess.ts';
import { compileBackward } from './autodiff/compiler.ts';
import type { CompiledBackward } from './autodiff/compiler.ts';
import type { RuleSet } from './autodiff/rule.ts';
import { selectLayer } from './onnx/select-layer.ts';
import type { Layout, NormalizeSpec, PreprocessSpec } from './image/preprocess.ts';

export interface LensOptions {
  /** The runtime to use (`resolveBackend()` picks the best registered one). */
  backend: Backend;
  /** Name shown in messages (usually the file path). */
  source?: string;
  /** Hex SHA-256 of the model bytes, when the loader already computed it. */
  sha256?: string;
  /** Reader for external initializer data (confined to the model's folder by the node loader). */
  external?: ExternalDataReader;
  /** Session options for every session this lens creates (threads...). */
  sessionOptions?: SessionOptions;
  /** How many sessions to keep alive (LRU): plain forward, exposed intermediates, compiled backward graphs... Default 6. */
  maxSessions?: number;
}

/** What convlens knows about the model's (first) image input. */
export interface InputInfo {
  name: string;
  /** Declared dims; symbolic dims are strings, unknown null. */
  dims: (number | string | null)[];
  dtype: string;
  layout: Layout;
  /** Channels, height and width when the declared shape fixes them. */
  channels: number | null;
  height: number | null;
  width: number | null;
}

/** Top-k prediction entry. */
export interface Prediction {
  index: number;
  label: string;
  /** Raw score (logit, or whatever the output holds). */
  score: number;
  /** Softmax probability over the output row (or the value itself when the model already ends in Softmax). */
  probability: number;
}

/** A gradient request for {@link Lens.gradients}. */
export interface GradientRequest {
  /** The model input (one tensor for the image input, or feeds by name). Its shape fixes the compiled graph's shapes. */
  input: Tensor | Record<string, Tensor>;
  /**
   * Where upstream gradients enter, keyed by tensor name or layer selector, with the upstream gradient
   * to feed (same shape as that tensor): a one-hot row of the logits picks a class, a channel mask picks
   * a channel, any tensor gives a directional derivative. The compiled graph is reused for every value.
   * @example { logits: oneHot([1, 10], 3) }
   */
  seeds: Record<string, Tensor>;
  /**
   * What to differentiate with respect to: `'input'` (the image input), tensor names, layer selectors
   * (`layer4`, `12`, `features.conv2`) or initializer names (weight gradients).
   */
  wrt: string[];
  /** Extra forward tensors to return (tensor names or layer selectors), e.g. the Grad-CAM target layer. */
  activations?: string[];
  /** Backward rules: 'standard' (true gradient, default), 'guided' (guided backprop), 'deconvnet', or a custom rule set. */
  ruleSet?: string | RuleSet;
}

/** Result of {@link Lens.gradients}; keys are the names the request used. */
export interface GradientResult {
  /** wrt name → ∂(Σ seed ⊙ upstream)/∂wrt. */
  gradients: Record<string, Tensor>;
  /** Requested activations, plus each seed tensor's forward value. */
  activations: Record<string, Tensor>;
  /** The tensor each request name resolved to. */
  resolved: Record<string, string>;
  /** Whether the compiled graph came from the cache. */
  cached: boolean;
  /** Compile statistics (node counts) of the graph used. */
  stats: CompiledBackward['stats'];
}

/** Metadata keys convlens reads from (and its demo scripts write to) a model's metadata_props. */
export const METADATA_KEYS = {
  labels: 'convlens.labels',
  preprocess: 'convlens.preprocess',
  description: 'convlens.description',
} as const;

export class Lens {
  readonly model: ModelProto;
  readonly view: ModelView;
  readonly source: string;
  readonly backend: Backend;
  private readonly external?: ExternalDataReader;
  private readonly sessions: SessionCache;
  private readonly sessionOptions: SessionOptions;
  private hash?: string;
  private readonly shapeCache = new Map<string, Promise<Map<string, TensorInfo>>>();
  private names?: Map<unknown, string>;

  constructor(model: ModelProto, opts: LensOptions) {
    this.model = model;
    this.source = opts.source ?? 'model';
    this.view = new ModelView(model, { source: this.source });
    this.backend = opts.backend;
    this.external = opts.external;
    this.hash = opts.sha256;
    this.sessionOptions = { ...opts.sessionOptions, source: this.source };
    this.sessions = new SessionCache({ maxSessions: opts.maxSessions ?? 6 });
  }

  /** Hex SHA-256 of the model bytes (computed once). */
  async modelHash(): Promise<string> {
    this.hash ??= await sha256Hex(encodeModel(this.model));
    return this.hash;
  }

  /** The model's image input (the first graph input that is not an initializer). */
  get input(): InputInfo {
    const vi = this.view.inputs[0];
    if (!vi) throw new ConvlensError(ErrorCodes.INVALID_GRAPH, `${this.source} has no graph input`);
    const name = vi.name ?? '';
    const dims = (this.view.shape(name) ?? []).map((d) => (d === undefined ? null : d));
    const dtype = dtypeOfElemType(vi.type?.tensorType?.elemType) ?? 'float32';
    let layout: Layout = 'NCHW';
    let channels: number | null = null, height: number | null = null, width: number | null = null;
    if (dims.length === 4 || dims.length === 3) {
      const l = inferInputLayout(dims);
      layout = l.layout; channels = l.channels; height = l.height; width = l.width;
    } else if (dims.length === 5) {
      channels = typeof dims[1] === 'number' ? dims[1] : null;
    }
    return { name, dims, dtype, layout, channels, height, width };
  }

  /** Class labels from the model's `convlens.labels` metadata (JSON array), if any. */
  get labels(): string[] | undefined {
    const raw = this.view.metadata.get(METADATA_KEYS.labels);
    if (!raw) return undefined;
    try {
      const v = JSON.parse(raw) as unknown;
      return Array.isArray(v) ? v.map(String) : undefined;
    } catch {
      return undefined;
    }
  }

  /**
   * A concrete input shape: `given` if any (validated against the declared rank and fixed dims),
   * otherwise the declared shape with a batch of 1, or an error asking for `--input-shape` when
   * other dims are symbolic.
   */
  inputShape(given?: readonly number[]): number[] {
    const { dims, name } = this.input;
    if (given) {
      if (dims.length && given.length !== dims.length) {
        throw new ConvlensError(ErrorCodes.INPUT_SHAPE, `input shape [${given.join(',')}] has rank ${given.length} but input "${name}" of ${this.source} has rank ${dims.length} ([${dims.map((d) => d ?? '?').join(',')}])`, {
          hint: `pass --input-shape with ${dims.length} numbers`,
        });
      }
      dims.forEach((d, i) => {
        if (typeof d === 'number' && d > 0 && given[i] !== d) {
          throw new ConvlensError(ErrorCodes.INPUT_SHAPE, `input shape [${given.join(',')}] does not match input "${name}" of ${this.source}: dim ${i} is fixed to ${d}`, {
            hint: `use [${dims.map((x, j) => (typeof x === 'number' && x > 0 ? x : given[j])).join(',')}]`,
          });
        }
      });
      return [...given];
    }
    const shape = dims.map((d, i) => (typeof d === 'number' && d > 0 ? d : i === 0 ? 1 : null));
    if (shape.some((d) => d === null)) {
      throw new ConvlensError(ErrorCodes.INPUT_SHAPE, `input "${name}" of ${this.source} has symbolic dims [${dims.map((d) => d ?? '?').join(',')}]`, {
        hint: 'pass --input-shape, e.g. --input-shape 1,3,224,224',
      });
    }
    return shape as number[];
  }

  /**
   * How images are turned into this model's input: size and channels from the input shape, layout
   * inferred from it, normalization from the model's `convlens.preprocess` metadata when present
   * (else `fallback`, default ImageNet mean/std).
   */
  preprocessSpec(overrides: Partial<PreprocessSpec> = {}, inputShape?: readonly number[]): PreprocessSpec {
    const info = this.input;
    const shape = inputShape ?? this.inputShape();
    const meta = this.preprocessMetadata();
    const hIdx = info.layout === 'NCHW' ? shape.length - 2 : shape.length - 3;
    const cIdx = info.layout === 'NCHW' ? shape.length - 3 : shape.length - 1;
    const channels = shape[cIdx] === 1 ? 1 : 3;
    const normalize: NormalizeSpec = meta?.normalize ?? 'imagenet';
    return {
      size: [shape[hIdx]!, shape[hIdx + 1]!],
      layout: info.layout,
      channels,
      resize: 'stretch',
      normalize,
      ...overrides,
    };
  }

  private preprocessMetadata(): { normalize?: NormalizeSpec } | undefined {
    const raw = this.view.metadata.get(METADATA_KEYS.preprocess);
    if (!raw) return undefined;
    try {
      const v = JSON.parse(raw) as { normalize?: { mean?: number[]; std?: number[] } | string };
      if (typeof v.normalize === 'string') return { normalize: v.normalize as NormalizeSpec };
      if (v.normalize && Array.isArray(v.normalize.mean) && Array.isArray(v.normalize.std)) {
        return { normalize: { mean: v.normalize.mean, std: v.normalize.std } };
      }
      return {};
    } catch {
      return undefined;
    }
  }

  /** Shapes (and dtypes) of every tensor for an input of the given shape, computed once per shape by running the model. */
  shapes(inputShape?: readonly number[]): Promise<Map<string, TensorInfo>> {
    const shape = this.inputShape(inputShape);
    const key = shape.join(',');
    let p = this.shapeCache.get(key);
    if (!p) {
      p = (async () => inferShapesByRunning(this.backend, await this.runnableModel(), { inputShapes: { [this.input.name]: shape } }, {
        source: this.source, cache: this.sessions, modelHash: await this.modelHash(), sessionOptions: { ...this.sessionOptions, graphOptimization: 'disabled' },
      }))();
      p.catch(() => this.shapeCache.delete(key));
      this.shapeCache.set(key, p);
    }
    return p;
  }

  /** The layer table (with output shapes and MACs for the given input shape). */
  async layers(inputShape?: readonly number[], opts: { all?: boolean } = {}): Promise<LayerTable> {
    const infos = await this.shapes(inputShape);
    const shapes = new Map<string, readonly number[]>();
    for (const [k, v] of infos) shapes.set(k, v.dims);
    return layerTable(this.view, { shapes, all: opts.all });
  }

  /** Short human name of every node (e.g. `layer4.1.conv2`). */
  humanName(node: { index: number }): string {
    this.names ??= humanNames(this.view) as Map<unknown, string>;
    return this.names.get(this.view.nodes[node.index]) ?? `node_${node.index}`;
  }

  /**
   * Runs `fn` with a cached session for a rewrite of this model (a compiled backward graph, an
   * extracted head...). `rewriteKey` identifies the rewrite; `modelBytes` is only called on a cache
   * miss. Sessions share the lens's LRU and its options, and are released by {@link dispose}.
   */
  async withSession<T>(rewriteKey: string, modelBytes: () => Uint8Array | Promise<Uint8Array>, fn: (s: Session) => Promise<T>): Promise<T> {
    const key = { modelHash: await this.modelHash(), rewriteKey, backend: this.backend, options: this.sessionOptions };
    return this.sessions.use(key, modelBytes, fn);
  }

  private readonly stateMap = new Map<string, unknown>();

  /**
   * Per-lens state owned by a feature (compiled programs, caches): created once by `create`, dropped
   * with the lens — a value with a `dispose()` method is disposed with it. Keys are feature names
   * (e.g. 'cam').
   */
  state<T>(key: string, create: () => T): T {
    if (!this.stateMap.has(key)) this.stateMap.set(key, create());
    return this.stateMap.get(key) as T;
  }

  /** The model with external data inlined, ready to hand to a runtime or to rewrite. */
  async runnableModel(): Promise<ModelProto> {
    this.runnable ??= inlineExternalData(this.model, this.external, this.source);
    return this.runnable;
  }
  private runnable?: ModelProto;

  /**
   * Runs the model on `input` (feeds by name, or one tensor for the image input) and returns the
   * requested tensors — graph outputs or any intermediate tensor (exposed by a cached rewrite).
   */
  async run(input: Tensor | Record<string, Tensor>, tensors?: readonly string[]): Promise<Record<string, Tensor>> {
    const feeds = isTensor(input) ? { [this.input.name]: input } : input;
    const outputs = tensors ?? this.view.outputs.map((o) => o.name ?? '');
    const declared = new Set(this.view.outputs.map((o) => o.name ?? ''));
    const extra = outputs.filter((t) => !declared.has(t));
    for (const t of extra) {
      if (!this.view.hasTensor(t)) {
        throw new ConvlensError(ErrorCodes.UNKNOWN_LAYER, `tensor "${t}" is not in ${this.source}`, { hint: 'run `convlens inspect` to list tensors' });
      }
    }
    const rewriteKey = extra.length ? `outputs:${[...extra].sort().join('|')}` : 'plain';
    const key = { modelHash: await this.modelHash(), rewriteKey, backend: this.backend, options: this.sessionOptions };
    const build = async () => encodeModel(extra.length ? addOutputs(await this.runnableModel(), extra, { source: this.source, unknownType: 'omit' }) : await this.runnableModel());
    return this.sessions.use(key, build, (s) => s.run(feeds, outputs));
  }

  /** Resolves `'input'`, a tensor/initializer name, or a layer selector to a tensor name. */
  resolveTensor(nameOrSelector: string): string {
    if (nameOrSelector === 'input') return this.input.name;
    if (this.view.hasTensor(nameOrSelector)) return nameOrSelector;
    return selectLayer(this.view, nameOrSelector).tensor;
  }

  private readonly compiled = new Map<string, Promise<CompiledBackward>>();

  /**
   * Exact vector-Jacobian products through the model, computed by one ONNX graph (forward + compiled
   * backward) run in the same runtime as the forward pass. The graph for a (seeds, wrt, rule set, input
   * shape) combination is compiled once and its session cached; what is fed as upstream gradient
   * (class, channel, direction) changes nothing structural.
   *
   * @example
   * const g = await lens.gradients({ input: x, seeds: { logits: oneHot([1, 6], 2) }, wrt: ['input', 'features.relu4'] });
   * g.gradients.input;            // ∂logit₂/∂x, shape of x
   * g.gradients['features.relu4']; // ∂logit₂/∂(relu4 activation)
   */
  async gradients(req: GradientRequest): Promise<GradientResult> {
    const feeds = isTensor(req.input) ? { [this.input.name]: req.input } : req.input;
    const resolved: Record<string, string> = {};
    const resolve = (n: string): string => (resolved[n] ??= this.resolveTensor(n));
    const seedNames = Object.keys(req.seeds);
    if (seedNames.length === 0) throw new ConvlensError(ErrorCodes.BAD_USAGE, 'gradients: no seeds given', { hint: 'e.g. seeds: { logits: oneHot(...) }' });
    const seeds = seedNames.map(resolve);
    const wrt = req.wrt.map(resolve);
    const acts = (req.activations ?? []).map(resolve);
    const shape = feeds[this.input.name]?.dims;
    const ruleSetName = typeof req.ruleSet === 'object' ? `custom:${req.ruleSet.name}` : (req.ruleSet ?? 'standard');
    const key = JSON.stringify({ seeds, wrt, acts, ruleSet: ruleSetName, shapes: Object.entries(feeds).map(([k, v]) => [k, v.dims]) });
    let compiling = this.compiled.get(key);
    const cached = compiling !== undefined;
    if (!compiling) {
      compiling = (async () => {
        const infos = await this.shapes(shape ? [...shape] : undefined);
        const shapes = new Map<string, number[]>();
        for (const [k, v] of infos) shapes.set(k, [...v.dims]);
        for (const [k, v] of Object.entries(feeds)) shapes.set(k, [...v.dims]);
        return compileBackward(await this.runnableModel(), { shapes, seeds, wrt, activations: [...new Set([...acts, ...seeds])], ruleSet: req.ruleSet });
      })();
      compiling.catch(() => this.compiled.delete(key));
      this.compiled.set(key, compiling);
    }
    const compiled = await compiling;
    const runFeeds: Record<string, Tensor> = { ...feeds };
    seedNames.forEach((n, i) => {
      const g = req.seeds[n]!;
      const input = compiled.gradInputs[seeds[i]!]!;
      runFeeds[input] = g;
    });
    const outputs = [...wrt.map((w) => compiled.gradOutputs[w]!), ...Object.values(compiled.activationOutputs)];
    const sessionKey = { modelHash: await this.modelHash(), rewriteKey: `grad:${key}`, backend: this.backend, options: this.sessionOptions };
    const result = await this.sessions.use(sessionKey, () => encodeModel(compiled.model), (s) => s.run(runFeeds, [...new Set(outputs)]));
    const gradients: Record<string, Tensor> = {};
    req.wrt.forEach((n, i) => { gradients[n] = result[compiled.gradOutputs[wrt[i]!]!]!; });
    const activations: Record<string, Tensor> = {};
    for (const n of [...(req.activations ?? []), ...seedNames]) activations[n] = result[compiled.activationOutputs[resolve(n)]!]!;
    return { gradients, activations, resolved, cached, stats: compiled.stats };
  }

  /** An initializer (weights) as a tensor, float16 converted to float32. */
  weights(name: string): Tensor {
    const t = this.view.initializer(name);
    if (!t) throw new ConvlensError(ErrorCodes.UNKNOWN_LAYER, `"${name}" is not an initializer of ${this.source}`);
    return readTensor(t, { external: this.external, source: this.source });
  }

  /** Top-k predictions for batch item `b` of an output tensor. */
  predictions(output: Tensor, k = 5, b = 0): Prediction[] {
    const rowLen = output.dims.length >= 2 ? sizeOf(output.dims.slice(1)) : output.data.length;
    const row = Array.from({ length: rowLen }, (_, i) => Number((output.data as ArrayLike<number>)[b * rowLen + i]));
    const producer = this.view.producer(this.view.outputs[0]?.name ?? '');
    const alreadyProb = producer?.node.opType === 'Softmax';
    const max = Math.max(...row);
    const exps = row.map((v) => Math.exp(v - max));
    const sum = exps.reduce((a, v) => a + v, 0);
    const labels = this.labels;
    return row
      .map((score, index) => ({ index, label: labels?.[index] ?? String(index), score, probability: alreadyProb ? score : exps[index]! / sum }))
      .sort((a, c) => c.score - a.score)
      .slice(0, k);
  }

  /** Releases every runtime session and per-lens state. */
  async dispose(): Promise<void> {
    const owned = [...this.stateMap.values()];
    this.stateMap.clear();
    for (const v of owned) {
      const d = (v as { dispose?: unknown } | null)?.dispose;
      if (typeof d === 'function') await (d as () => unknown).call(v);
    }
    this.compiled.clear();
    await this.sessions.dispose();
  }
}

/**
 * A copy of the model whose external-data initializers carry their bytes inline (runtimes given model
 * bytes cannot resolve external files; the reader is confined to the model's folder). The model itself
 * when it has no external data.
 */
function inlineExternalData(model: ModelProto, external: ExternalDataReader | undefined, source: string): ModelProto {
  const inits = model.graph?.initializer ?? [];
  if (!inits.some((t) => t.dataLocation === 1)) return model;
  const initializer = inits.map((t) => {
    if (t.dataLocation !== 1) return t;
    const value = readTensor(t, { external, source, halfToFloat: false });
    const data = value.data as { buffer: ArrayBufferLike; byteOffset: number; byteLength: number };
    const { externalData: _e, dataLocation: _d, ...rest } = t;
    return { ...rest, rawData: new Uint8Array(data.buffer, data.byteOffset, data.byteLength).slice() };
  });
  return { ...model, graph: { ...model.graph, initializer } };
}

function isTensor(x: unknown): x is Tensor {
  return typeof x === 'object' && x !== null && 'dims' in x && 'data' in x && 'dtype' in x;
}
