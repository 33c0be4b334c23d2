/**
 * The runtime side of the CAM family: every ONNX Runtime call the CAM methods make goes through here.
 *
 * - {@link layerGradients}: activations and exact gradients of the target layers in ONE run of one
 *   compiled graph (`compileBackward`: forward + the backward nodes between the score tensor and the
 *   target layers only). The upstream gradient is computed inside the graph: `seed + top1 ⊙
 *   onehot(argmax(score))`, so a `top1` target needs no separate forward pass to find the class, and
 *   explicit class / region targets feed their weights through `seed`.
 * - {@link forward}: plain forward runs returning any tensors (`lens.run`), in batch chunks.
 * - {@link headRunner}: the model from a layer onward (the layer's activation becomes a graph input —
 *   `extractSubgraph`), for Ablation-CAM's batches of ablated activations.
 *
 * Sessions for the compiled graphs and the heads live in the lens's session cache and are released
 * with the lens (`lens.dispose()`).
 */
import { ConvlensError, ErrorCodes, isConvlensError } from '../../errors.ts';
import type { Lens } from '../../lens.ts';
import { compileBackward } from '../../autodiff/compiler.ts';
import type { CompiledBackward } from '../../autodiff/compiler.ts';
import { encodeModel } from '../../onnx/codec.ts';
import { makeNode, makeTensor, makeValueInfo } from '../../onnx/build.ts';
import { ModelView } from '../../onnx/model-view.ts';
import { DataType } from '../../onnx/proto-types.ts';
import type { ModelProto, NodeProto } from '../../onnx/proto-types.ts';
import { extractSubgraph } from '../../onnx/rewrite/extract.ts';
import { concatBatch, sliceBatch } from '../../runtime/batch.ts';
import { sizeOf, tensor } from '../../tensor.ts';
import type { Tensor } from '../../tensor.ts';

/** Gradient-free methods suggested when a model op has no backward rule. */
export const GRADIENT_FREE_METHODS = 'scorecam, ablationcam, eigencam, occlusion or rise';

/** Work counters a run accumulates (for the manifest's timing). */
export interface RunCounters {
  runtimeMs: number;
  runs: number;
  samples: number;
}

export function newCounters(): RunCounters {
  return { runtimeMs: 0, runs: 0, samples: 0 };
}

// ---------------------------------------------------------------------------------------------
// Sessions and per-lens state

interface LensState {
  programs: Map<string, Promise<Program>>;
  heads: Map<string, Promise<HeadProgram>>;
}

function stateOf(lens: Lens): LensState {
  return lens.state<LensState>('cam', () => ({ programs: new Map(), heads: new Map() }));
}

/** The model as the runtime must see it (external data inlined). */
function runnableModel(lens: Lens): Promise<ModelProto> {
  return lens.runnableModel();
}

async function runSession(lens: Lens, rewriteKey: string, bytes: () => Uint8Array, feeds: Record<string, Tensor>, outputs: string[], counters: RunCounters, samples: number): Promise<Record<string, Tensor>> {
  const t0 = performance.now();
  const res = await lens.withSession(`cam:${rewriteKey}`, bytes, (s) => s.run(feeds, outputs));
  counters.runtimeMs += performance.now() - t0;
  counters.runs++;
  counters.samples += samples;
  return res;
}

/** The model input's fixed batch size, or undefined when the batch axis is dynamic. */
export function fixedBatch(lens: Lens): number | undefined {
  const d = lens.input.dims[0];
  return typeof d === 'number' && d > 0 ? d : undefined;
}

/** Chunks `[start, end)` covering `total` rows, `size` at a time. */
function chunks(total: number, size: number): [number, number][] {
  const out: [number, number][] = [];
  for (let s = 0; s < total; s += size) out.push([s, Math.min(total, s + size)]);
  return out;
}

/** Repeats the last row of `t` until it has `rows` rows. */
function padRows(t: Tensor, rows: number): Tensor {
  const have = t.dims[0]!;
  if (have === rows) return t;
  const parts = [t];
  for (let i = have; i < rows; i++) parts.push(sliceBatch(t, have - 1, have));
  return concatBatch(parts);
}

// ---------------------------------------------------------------------------------------------
// Forward runs

/** Options shared by the batched runners. */
export interface BatchOptions {
  /** Largest batch per runtime call for a dynamic batch axis. */
  batchSize: number;
  counters: RunCounters;
  onProgress?: (done: number, total: number) => void;
}

/**
 * Runs the model on every row of `input` and returns `outputs` (any tensors) for all rows, in chunks of
 * the model's fixed batch (padded) or of at most `batchSize`.
 */
export async function forward(lens: Lens, input: Tensor, outputs: string[], opts: BatchOptions): Promise<Record<string, Tensor>> {
  const n = input.dims[0]!;
  const fb = fixedBatch(lens);
  const size = fb ?? Math.max(1, opts.batchSize);
  const parts: Record<string, Tensor[]> = Object.fromEntries(outputs.map((o) => [o, []]));
  for (const [s, e] of chunks(n, size)) {
    const x = fb ? padRows(sliceBatch(input, s, e), fb) : sliceBatch(input, s, e);
    const t0 = performance.now();
    const r = await lens.run(x, outputs);
    opts.counters.runtimeMs += performance.now() - t0;
    opts.counters.runs++;
    opts.counters.samples += e - s;
    for (const o of outputs) parts[o]!.push(fb && e - s < fb ? sliceBatch(r[o]!, 0, e - s) : r[o]!);
    opts.onProgress?.(e, n);
  }
  const out: Record<string, Tensor> = {};
  for (const o of outputs) out[o] = parts[o]!.length === 1 ? parts[o]![0]! : concatBatch(parts[o]!, o);
  return out;
}

// ---------------------------------------------------------------------------------------------
// Gradient runs

/** Upstream gradient for one batch row: the top-1 class (found in the graph) or explicit weights. */
export type RowSeed = { kind: 'top1' } | { kind: 'weights'; values: Float32Array };

interface Program {
  key: string;
  bytes: () => Uint8Array;
  inputName: string;
  seedInput: string;
  /** Absent when the model's opset is too old for the in-graph argmax; then top-1 rows are resolved by a forward pass first. */
  top1Input?: string;
  gradOutputs: string[];
  actOutputs: string[];
  scoreOutput: string;
  scoreDims: number[];
  floatType: 'float32' | 'float64';
}

/** Result of {@link layerGradients}: per layer, in the order asked. */
export interface LayerGradients {
  activations: Tensor[];
  gradients: Tensor[];
  /** The score tensor's forward value. */
  scores: Tensor;
}

function rethrowGradientError(e: unknown): never {
  if (isConvlensError(e) && (e.code === ErrorCodes.NO_GRADIENT_RULE || e.code === ErrorCodes.CONTROL_FLOW_ON_GRADIENT_PATH)) {
    throw new ConvlensError(e.code, `${e.message} — this CAM method needs gradients from the score to the target layer`, {
      hint: `use a gradient-free method instead (${GRADIENT_FREE_METHODS}), or a target layer after these nodes${e.hint ? `; ${e.hint}` : ''}`,
      details: e.details,
      cause: e,
    });
  }
  throw e;
}

async function gradientProgram(lens: Lens, inputDims: number[], score: string, layers: string[]): Promise<Program> {
  const st = stateOf(lens);
  const key = JSON.stringify({ g: 1, inputDims, score, layers });
  let p = st.programs.get(key);
  if (!p) {
    p = (async () => {
      const infos = await lens.shapes(inputDims);
      const shapes = new Map<string, number[]>();
      for (const [k, v] of infos) shapes.set(k, [...v.dims]);
      shapes.set(lens.input.name, inputDims);
      let compiled: CompiledBackward;
      try {
        compiled = compileBackward(await runnableModel(lens), { shapes, seeds: [score], wrt: layers, activations: [...new Set([...layers, score])] });
      } catch (e) {
        rethrowGradientError(e);
      }
      const scoreDims = shapes.get(score)!;
      const patched = withInGraphTop1(compiled, score, scoreDims);
      const model = patched?.model ?? compiled.model;
      let bytes: Uint8Array | undefined;
      return {
        key: `cam-grad:${key}`,
        bytes: () => (bytes ??= encodeModel(model)),
        inputName: lens.input.name,
        seedInput: patched?.seedInput ?? compiled.gradInputs[score]!,
        top1Input: patched?.top1Input,
        gradOutputs: layers.map((l) => compiled.gradOutputs[l]!),
        actOutputs: layers.map((l) => compiled.activationOutputs[l]!),
        scoreOutput: compiled.activationOutputs[score]!,
        scoreDims,
        floatType: compiled.floatType,
      } satisfies Program;
    })();
    p.catch(() => st.programs.delete(key));
    st.programs.set(key, p);
  }
  return p;
}

/**
 * Rewrites a compiled graph so its upstream gradient is `seed + top1 ⊙ onehot(argmax(score))`
 * (`seed`: same shape as the score; `top1`: `[N, 1]`), computed from the forward value of the score in
 * the same run. Needs opset ≥ 7 (Equal on int64, Cast with a numeric `to`) and a batched score.
 */
function withInGraphTop1(compiled: CompiledBackward, score: string, scoreDims: number[]): { model: ModelProto; seedInput: string; top1Input: string } | undefined {
  const model = compiled.model;
  const view = new ModelView(model);
  if ((view.opset('') ?? 1) < 7 || scoreDims.length < 2) return undefined;
  const graph = model.graph!;
  const gradIn = compiled.gradInputs[score]!;
  const taken = new Set<string>();
  for (const v of [...(graph.input ?? []), ...(graph.output ?? []), ...(graph.valueInfo ?? [])]) if (v.name) taken.add(v.name);
  for (const t of graph.initializer ?? []) if (t.name) taken.add(t.name);
  for (const n of graph.node ?? []) for (const o of n.output ?? []) taken.add(o);
  const fresh = (base: string): string => {
    let name = `convlens_cam/${base}`;
    for (let i = 1; taken.has(name); i++) name = `convlens_cam/${base}_${i}`;
    taken.add(name);
    return name;
  };
  const b = scoreDims[0]!;
  const k = sizeOf(scoreDims.slice(1));
  const elem = compiled.floatType === 'float64' ? DataType.DOUBLE : DataType.FLOAT;
  const seedInput = fresh('seed'), top1Input = fresh('top1');
  const flatShape = fresh('flat_shape'), classes = fresh('classes'), backShape = fresh('score_shape');
  const flat = fresh('flat'), am = fresh('argmax'), eq = fresh('is_top1'), oh = fresh('onehot'), sel = fresh('top1_seed'), selShaped = fresh('top1_seed_shaped');
  const nodes: NodeProto[] = [
    makeNode('Reshape', [score, flatShape], [flat], {}, fresh('reshape_flat')),
    makeNode('ArgMax', [flat], [am], { axis: 1, keepdims: 1 }, fresh('argmax_node')),
    makeNode('Equal', [am, classes], [eq], {}, fresh('equal')),
    makeNode('Cast', [eq], [oh], { to: elem }, fresh('cast')),
    makeNode('Mul', [oh, top1Input], [sel], {}, fresh('mul')),
    makeNode('Reshape', [sel, backShape], [selShaped], {}, fresh('reshape_back')),
    makeNode('Add', [selShaped, seedInput], [gradIn], {}, fresh('add_seed')),
  ];
  const inits = [
    makeTensor(flatShape, [2], [b, k], 'int64'),
    makeTensor(classes, [1, k], Array.from({ length: k }, (_, i) => i), 'int64'),
    makeTensor(backShape, [scoreDims.length], scoreDims, 'int64'),
  ];
  const all = graph.node ?? [];
  const first = all.findIndex((n) => (n.input ?? []).includes(gradIn));
  const at = first < 0 ? all.length : first;
  const input = (graph.input ?? []).filter((v) => v.name !== gradIn);
  input.push(makeValueInfo(seedInput, elem, scoreDims), makeValueInfo(top1Input, elem, [b, 1]));
  return {
    model: { ...model, graph: { ...graph, node: [...all.slice(0, at), ...nodes, ...all.slice(at)], initializer: [...(graph.initializer ?? []), ...inits], input } },
    seedInput,
    top1Input,
  };
}

/**
 * Activations and gradients of `layers` for every row of `input`, each row seeded as `seeds` says, plus
 * the score tensor's forward value: one runtime call per chunk (the whole batch when the model's batch
 * axis is dynamic and `batchSize` allows).
 *
 * @throws ConvlensError E_NO_GRADIENT_RULE / E_CONTROL_FLOW_ON_GRADIENT_PATH with a hint naming the
 *   gradient-free methods
 */
export async function layerGradients(lens: Lens, input: Tensor, score: string, layers: string[], seeds: RowSeed[], opts: BatchOptions): Promise<LayerGradients> {
  const n = input.dims[0]!;
  const fb = fixedBatch(lens);
  const size = fb ?? Math.max(1, Math.min(n, opts.batchSize));
  const acts: Tensor[][] = layers.map(() => []), grads: Tensor[][] = layers.map(() => []), scores: Tensor[] = [];
  for (const [s, e] of chunks(n, size)) {
    const rows = fb ?? e - s;
    const prog = await gradientProgram(lens, [rows, ...input.dims.slice(1)], score, layers);
    const k = sizeOf(prog.scoreDims.slice(1));
    const x = padRows(sliceBatch(input, s, e), rows);
    let chunkSeeds = seeds.slice(s, e);
    if (!prog.top1Input && chunkSeeds.some((r) => r.kind === 'top1')) {
      // Old opset: find the top class with a forward pass first.
      const sc = (await forward(lens, sliceBatch(input, s, e), [score], { ...opts, onProgress: undefined }))[score]!;
      chunkSeeds = chunkSeeds.map((r, i) => (r.kind === 'weights' ? r : { kind: 'weights', values: oneHot(k, argmaxRow(sc, i, k)) }));
    }
    const FloatArr = prog.floatType === 'float64' ? Float64Array : Float32Array;
    const seed = new FloatArr(rows * k);
    const top1 = new FloatArr(rows);
    chunkSeeds.forEach((r, i) => {
      if (r.kind === 'top1') top1[i] = 1;
      else seed.set(r.values, i * k);
    });
    const feeds: Record<string, Tensor> = { [prog.inputName]: x, [prog.seedInput]: { dtype: prog.floatType, dims: [rows, ...prog.scoreDims.slice(1)], data: seed } as Tensor };
    if (prog.top1Input) feeds[prog.top1Input] = { dtype: prog.floatType, dims: [rows, 1], data: top1 } as Tensor;
    const outputs = [...new Set([...prog.gradOutputs, ...prog.actOutputs, prog.scoreOutput])];
    let r: Record<string, Tensor>;
    try {
      r = await runSession(lens, prog.key, prog.bytes, feeds, outputs, opts.counters, e - s);
    } catch (err) {
      rethrowGradientError(err);
    }
    const cut = (t: Tensor): Tensor => (rows === e - s ? t : sliceBatch(t, 0, e - s));
    layers.forEach((_, i) => {
      acts[i]!.push(cut(r[prog.actOutputs[i]!]!));
      grads[i]!.push(cut(r[prog.gradOutputs[i]!]!));
    });
    scores.push(cut(r[prog.scoreOutput]!));
    opts.onProgress?.(e, n);
  }
  const cat = (p: Tensor[], name: string): Tensor => (p.length === 1 ? p[0]! : concatBatch(p, name));
  return { activations: acts.map((p, i) => cat(p, layers[i]!)), gradients: grads.map((p, i) => cat(p, layers[i]!)), scores: cat(scores, score) };
}

function oneHot(k: number, i: number): Float32Array {
  const v = new Float32Array(k);
  v[i] = 1;
  return v;
}

function argmaxRow(t: Tensor, row: number, k: number): number {
  const d = t.data as ArrayLike<number>;
  let best = 0;
  for (let i = 1; i < k; i++) if (d[row * k + i]! > d[row * k + best]!) best = i;
  return best;
}

// ---------------------------------------------------------------------------------------------
// Heads: the model from a layer onward

interface HeadProgram {
  key: string;
  bytes: () => Uint8Array;
  layerInput: string;
  /** The image input when the head also reads it (a skip connection around the layer). */
  imageInput?: string;
  score: string;
}

async function headProgram(lens: Lens, layer: string, score: string, layerDims: number[]): Promise<HeadProgram> {
  const st = stateOf(lens);
  const key = JSON.stringify({ h: 1, layer, score, layerDims: layerDims.slice(1) });
  let p = st.heads.get(key);
  if (!p) {
    p = (async () => {
      const model = await runnableModel(lens);
      let head: ModelProto;
      let imageInput: string | undefined;
      try {
        head = extractSubgraph(model, [score], [layer], { source: lens.source });
      } catch (e) {
        if (!(isConvlensError(e) && e.code === ErrorCodes.INVALID_GRAPH)) throw e;
        imageInput = lens.input.name;
        head = extractSubgraph(model, [score], [layer, imageInput], { source: lens.source });
      }
      // The layer input gets the concrete shape with a symbolic batch; the output keeps only its type.
      const g = head.graph!;
      const view = new ModelView(model);
      const elem = view.elemType(layer) ?? DataType.FLOAT;
      const fb = fixedBatch(lens);
      const input = (g.input ?? []).map((v) => (v.name === layer ? makeValueInfo(layer, elem, [fb ?? 'N', ...layerDims.slice(1)]) : v));
      const output = (g.output ?? []).map((v) => ({ name: v.name, type: { tensorType: { elemType: v.type?.tensorType?.elemType ?? DataType.FLOAT } } }));
      const m: ModelProto = { ...head, graph: { ...g, input, output } };
      let bytes: Uint8Array | undefined;
      return { key: `cam-head:${key}`, bytes: () => (bytes ??= encodeModel(m)), layerInput: layer, imageInput, score };
    })();
    p.catch(() => st.heads.delete(key));
    st.heads.set(key, p);
  }
  return p;
}

/** Runs the model from a layer onward on batches of (modified) activations of that layer. */
export interface HeadRunner {
  /**
   * Scores for a batch of layer activations (`[B, ...layer dims]`); `image` is the one input image row
   * the activations come from (fed, repeated, when the head also reads the input).
   */
  run(activations: Tensor, image: Tensor): Promise<Tensor>;
  /** Rows per runtime call. */
  readonly chunk: number;
}

/** A {@link HeadRunner} from `layer` to `score`. */
export async function headRunner(lens: Lens, layer: string, score: string, layerDims: number[], opts: BatchOptions): Promise<HeadRunner> {
  const prog = await headProgram(lens, layer, score, layerDims);
  const fb = fixedBatch(lens);
  const chunk = fb ?? Math.max(1, opts.batchSize);
  return {
    chunk,
    run: async (activations, image) => {
      const rows = activations.dims[0]!;
      const want = fb ?? rows;
      const feeds: Record<string, Tensor> = { [prog.layerInput]: padRows(activations, want) };
      if (prog.imageInput) feeds[prog.imageInput] = repeatRow(image, want);
      const r = await runSession(lens, prog.key, prog.bytes, feeds, [prog.score], opts.counters, rows);
      const out = r[prog.score]!;
      return want === rows ? out : sliceBatch(out, 0, rows);
    },
  };
}

/** `rows` copies of a one-row tensor. */
export function repeatRow(t: Tensor, rows: number): Tensor {
  const row = sizeOf(t.dims.slice(1));
  const src = (t.data as Float32Array).subarray(0, row);
  const Ctor = (t.data as Float32Array).constructor as new (n: number) => Float32Array;
  const out = new Ctor(rows * row);
  for (let i = 0; i < rows; i++) out.set(src, i * row);
  return tensor(t.dtype as 'float32', [rows, ...t.dims.slice(1)], out);
}
