/**
 * The studio's model worker: a child process (forked by worker-pool.ts through worker-entry.mjs) that
 * opens models with the convlens library and runs every job kind — predict, features, filters,
 * explain, visualize — by calling the same library functions as the CLI. Everything that touches ONNX
 * Runtime runs here, so a native crash (segfault, abort, OOM) ends this process only; the server marks
 * the job failed and starts a new worker (RELIABILITY.md 9). Jobs are cancelled cooperatively: the
 * progress callbacks of the library throw once a `cancel` message has arrived.
 */
import { randomUUID } from 'node:crypto';
import { ConvlensError, ErrorCodes } from '../../core/errors.ts';
import { toStudioError } from './studio-error.ts';
import { finiteStats } from '../../core/image/normalize.ts';
import type { Lens } from '../../core/lens.ts';
import { openModel } from '../../node/open-model.ts';
import { readSiblingLabels } from '../../node/labels.ts';
import { layerEntries, selectLayer } from '../../core/onnx/select-layer.ts';
import { scoreTensor } from '../../core/methods/target.ts';
import type { TargetSpec } from '../../core/methods/target.ts';
import { defaultTargetLayer } from '../../core/methods/cam/default-layer.ts';
import { getMethod } from '../../core/methods/registry.ts';
import { buildRunRecord } from '../../core/methods/record.ts';
import { attributionToNchw } from '../../core/methods/render/explanation.ts';
import { renderAttribution } from '../../core/methods/render/attribution.ts';
import { normalizeMinMax } from '../../core/image/normalize.ts';
import { preprocessDetailed, resolveNormalize } from '../../core/image/preprocess.ts';
import type { PreprocessSpec } from '../../core/image/preprocess.ts';
import type { ResizeMode } from '../../core/image/resize.ts';
import type { Raster } from '../../core/image/raster.ts';
import type { Tensor } from '../../core/tensor.ts';
import { activationLayout, channelPlanes } from '../../core/maps/channel-planes.ts';
import { modelActLayout, visualizeFeatures, visualizeRecord } from '../../core/methods/featurevis/index.ts';
import type {
  ArrayRef, ChannelStat, ExplainMap, ExplainParams, ExplainResult, FeaturesParams, FeaturesResult, FiltersParams, FiltersResult,
  LayerInfo, PredictParams, PredictResult, Prediction, PreprocessOverride, StudioError, VisualizeParams, VisualizeResult,
} from '../protocol.ts';
import { ActivationCache, planeStats, sliceChannels } from './activation-cache.ts';
import type { PlaneStats } from './activation-cache.ts';
import type { DescribeResult, FromWorker, ToWorker, WireArray, WireInput } from './ipc.ts';

let threads: number | undefined;
let allowTestHooks = false;
/** Every layer's activation per (model, input, preprocessing), for instant layer switches (`init.activationCacheBytes`). */
let activations = new ActivationCache();

function send(msg: FromWorker): void {
  process.send?.(msg);
}

// ------------------------------------------------------------------ models

interface OpenedModel {
  lens: Lens;
  layers: LayerInfo[];
  labels?: string[];
  score: string;
  /** Parameter count of the whole model (from the layer table built once at open). */
  totalParams: number;
}
const models = new Map<string, Promise<OpenedModel>>();

/**
 * A concrete input shape for `lens`: the model's own when it is fixed, else its symbolic height and width
 * filled with `size` (224×224 to describe a model; an image's own size to preprocess it).
 */
function concreteShape(lens: Lens, size: [number, number] = [224, 224]): number[] {
  try {
    return lens.inputShape();
  } catch {
    const { dims, layout } = lens.input;
    const ci = layout === 'NCHW' ? 1 : 3;
    const c = typeof dims[ci] === 'number' ? (dims[ci] as number) : 3;
    return lens.inputShape(layout === 'NCHW' ? [1, c, size[0], size[1]] : [1, size[0], size[1], c]);
  }
}

async function openOnce(path: string): Promise<OpenedModel> {
  let p = models.get(path);
  if (!p) {
    p = (async () => {
      const lens = await openModel(path, threads ? { sessionOptions: { intraOpThreads: threads } } : {});
      const shape = concreteShape(lens);
      const table = await lens.layers(shape);
      const entries = layerEntries(lens.view);
      const layers: LayerInfo[] = table.rows.map((r) => {
        const node = entries[r.index]?.node;
        const shapeR = r.shape ?? [];
        return {
          index: r.index, name: r.name, tensor: r.output, op: r.op, shape: [...shapeR], params: r.params, macs: r.macs,
          spatial: shapeR.length >= 4, channels: shapeR.length >= 2 ? modelActLayout(shapeR, lens.input.layout).channels : 1,
          hasFilters: !!node && (node.opType === 'Conv' || node.opType === 'ConvTranspose') && lens.view.isInitializer(node.inputs[1] ?? ''),
        };
      });
      return { lens, layers, labels: lens.labels ?? readSiblingLabels(path), score: scoreTensor(lens).tensor, totalParams: table.totalParams };
    })();
    p.catch(() => models.delete(path));
    models.set(path, p);
  }
  return p;
}

async function describe(path: string): Promise<DescribeResult> {
  const m = await openOnce(path);
  const { lens } = m;
  const shape = concreteShape(lens);
  const spec = lens.preprocessSpec({}, shape);
  const channels = spec.channels ?? 3;
  const norm = resolveNormalize(spec.normalize, channels, spec.channelOrder);
  const shapes = await lens.shapes(shape);
  let defaultCamLayer: string | undefined;
  try {
    const [h, w] = spec.size;
    defaultCamLayer = defaultTargetLayer(lens.view, { score: m.score, shapeOf: (t) => shapes.get(t)?.dims, batch: shape[0]!, inputSize: [h, w] }).tensor;
  } catch {
    defaultCamLayer = undefined;
  }
  return {
    sha256: await lens.modelHash(),
    params: m.totalParams,
    layers: m.layers,
    inputShape: lens.input.dims.map((d) => (d === null ? '?' : d)),
    input: { name: lens.input.name, layout: lens.input.layout, size: [spec.size[0], spec.size[1]], channels, mean: norm.mean, std: norm.std, resize: spec.resize ?? 'stretch' },
    ...(m.labels ? { labels: m.labels } : {}),
    scoreTensor: m.score,
    ...(defaultCamLayer ? { defaultCamLayer } : {}),
  };
}

// ------------------------------------------------------------------ helpers

/** A float32 array with its {@link ArrayRef} (min/max over finite values; NaN/Inf counted). */
export function makeArray(data: Float32Array, dims: number[], range?: ArrayRange): WireArray {
  if (range) return { ref: { id: randomUUID(), dims, dtype: 'float32', ...range }, data };
  const { min, max, finite, nonFinite } = finiteStats(data);
  return { ref: { id: randomUUID(), dims, dtype: 'float32', min: finite ? min : 0, max: finite ? max : 0, nonFinite }, data };
}

const RESIZE: Record<string, ResizeMode> = { stretch: 'stretch', 'center-crop': 'center-crop', pad: 'letterbox', letterbox: 'letterbox' };

/** The preprocessing spec for a model and the Input panel's overrides. */
export function specFor(lens: Lens, raster: Raster, over: PreprocessOverride | undefined): PreprocessSpec {
  const base = lens.preprocessSpec({}, concreteShape(lens, [raster.height, raster.width]));
  const out: PreprocessSpec = { ...base };
  if (over?.resize !== undefined) {
    const r = RESIZE[over.resize];
    if (!r) throw new ConvlensError(ErrorCodes.BAD_USAGE, `preprocess.resize "${String(over.resize)}" is not one of stretch, center-crop, pad`);
    out.resize = r;
  }
  if (over?.mean !== undefined || over?.std !== undefined) {
    const d = resolveNormalize(base.normalize, base.channels ?? 3, base.channelOrder);
    out.normalize = { mean: over.mean ?? d.mean, std: over.std ?? d.std };
    resolveNormalize(out.normalize, base.channels ?? 3); // validates
  }
  return out;
}

class Cancelled extends ConvlensError {
  constructor(jobId: string) {
    super(ErrorCodes.CANCELLED, `job ${jobId} was cancelled`);
  }
}

interface JobCtx {
  jobId: string;
  cancelled: boolean;
  check(): void;
  progress(progress: number, message?: string, preview?: WireArray): void;
  arrays: WireArray[];
  /** Registers an output array (its min/max/non-finite count computed unless given). */
  array(data: Float32Array, dims: number[], range?: ArrayRange): ArrayRef;
}

/** Precomputed finite range and non-finite count of an array. */
interface ArrayRange { min: number; max: number; nonFinite: number }

function needInput(input: WireInput | undefined): WireInput {
  if (!input) throw new ConvlensError(ErrorCodes.BAD_USAGE, 'this job needs an input image (params.inputId)');
  return input;
}

/** The library's top-k (labels from the model or its labels file) and the same in the wire shape. */
function topk(m: OpenedModel, out: Tensor, k: number): { lib: ReturnType<Lens['predictions']>; wire: Prediction[] } {
  const lib = m.lens.predictions(out, k).map((x) => ({ ...x, label: m.labels?.[x.index] ?? x.label }));
  return { lib, wire: lib.map((p) => ({ index: p.index, ...(p.label !== undefined ? { label: p.label } : {}), score: p.score, prob: p.probability })) };
}

function layerInfo(m: OpenedModel, tensor: string, fallback: { index: number; humanName: string; node: { opType: string } }, shape: number[]): LayerInfo {
  return m.layers.find((l) => l.tensor === tensor) ?? {
    index: fallback.index, name: fallback.humanName, tensor, op: fallback.node.opType, shape, params: 0, macs: 0, spatial: shape.length >= 4,
    channels: shape.length >= 2 ? modelActLayout(shape, m.lens.input.layout).channels : 1, hasFilters: false,
  };
}

// ------------------------------------------------------------------ job kinds

async function predict(m: OpenedModel, p: PredictParams, input: WireInput): Promise<PredictResult> {
  const spec = specFor(m.lens, input.raster, p.preprocess);
  const x = preprocessDetailed(input.raster, spec).tensor;
  const out = await m.lens.run(x, [m.score]);
  const k = Math.max(1, Math.min(1000, Math.floor(p.topk ?? 5)));
  return { predictions: topk(m, out[m.score]!, k).wire, scoreTensor: m.score };
}


/** Every layer output of the table that a feature-map view can show (float tensors with a channel axis). */
function featureTensors(m: OpenedModel): string[] {
  return [...new Set(m.layers.filter((l) => l.shape.length >= 2).map((l) => l.tensor))];
}

/**
 * The activation of `tensor` for an input: from the worker's activation cache, else by ONE run of the
 * model exposing every layer's output (kept for the next layer switches). A tensor outside the layer
 * table is run alone and added to the entry.
 */
async function activationOf(m: OpenedModel, modelPath: string, input: WireInput, spec: PreprocessSpec, tensor: string): Promise<{ act: Tensor; cached: boolean }> {
  const key = `${modelPath}\u0000${input.id}\u0000${JSON.stringify(spec)}`;
  const hit = activations.get(key)?.tensors.get(tensor);
  if (hit) return { act: hit, cached: true };
  const x = preprocessDetailed(input.raster, spec).tensor;
  // All layers at once, unless they could not be kept anyway (estimated from the layer table's shapes).
  const names = featureTensors(m);
  const estimate = m.layers.filter((l) => l.shape.length >= 2).reduce((a, l) => a + 4 * l.shape.reduce((p, d) => p * Math.max(1, d), 1), 0);
  if (!activations.get(key) && estimate <= activations.maxBytes) {
    if (!names.includes(tensor)) names.push(tensor);
    let all: Record<string, Tensor> | undefined;
    try {
      all = await m.lens.run(x, names);
    } catch {
      all = undefined; // e.g. out of memory with every output kept: fall back to this layer alone
    }
    if (all) {
      const keep = new Map<string, Tensor>();
      for (const [k, t] of Object.entries(all)) if (t && t.dims.length >= 2 && (t.dtype === 'float32' || t.dtype === 'float64' || t.dtype === 'float16')) keep.set(k, t);
      activations.set(key, keep);
      const act = all[tensor];
      if (act) return { act, cached: false };
    }
  }
  const act = (await m.lens.run(x, [tensor]))[tensor]!;
  activations.add(key, tensor, act);
  return { act, cached: false };
}

async function features(m: OpenedModel, modelPath: string, p: FeaturesParams, input: WireInput, ctx: JobCtx): Promise<FeaturesResult> {
  const { lens } = m;
  if (typeof p.layer !== 'string' || !p.layer) throw new ConvlensError(ErrorCodes.BAD_USAGE, 'features needs params.layer (a tensor name or layer selector)');
  const layer = selectLayer(lens.view, p.layer);
  const spec = specFor(lens, input.raster, p.preprocess);
  const { act } = await activationOf(m, modelPath, input, spec, layer.tensor);
  if (act.dims.length < 2 || act.dtype === 'int64' || act.dtype === 'bool') {
    throw new ConvlensError(ErrorCodes.BAD_USAGE, `layer ${layer.humanName} outputs [${act.dims.join(', ')}] ${act.dtype}: not a float tensor with channels`, { hint: 'pick a conv/activation layer' });
  }
  const info = layerInfo(m, layer.tensor, layer, [...act.dims]);
  const nhwc = activationLayout(act.dims, lens.input.layout) === 'NHWC';
  // Fast path (NCHW float32): one copy of the layer, statistics in one pass over it.
  const fast = nhwc ? undefined : sliceChannels(act);
  let data: Float32Array, dims: [number, number, number], stats: PlaneStats[];
  if (fast) ({ data, dims, stats } = fast);
  else {
    const planes = channelPlanes(act, { layout: nhwc ? 'NHWC' : 'NCHW' });
    const H = planes[0]?.height ?? 1, W = planes[0]?.width ?? 1, C = planes.length;
    data = new Float32Array(C * H * W);
    planes.forEach((pl, c) => data.set(pl.values, c * H * W));
    dims = [C, H, W];
    stats = planeStats(data, C, H * W);
  }
  let min = Infinity, max = -Infinity, nonFinite = 0;
  const channels: ChannelStat[] = stats.map((s) => {
    nonFinite += s.nonFinite;
    if (s.nonFinite < dims[1] * dims[2]) { if (s.min < min) min = s.min; if (s.max > max) max = s.max; }
    return { index: s.index, min: s.min, max: s.max, mean: s.mean, std: s.std, zeroFraction: s.zeroFraction };
  });
  if (min > max) { min = 0; max = 0; }
  return { layer: info, activation: ctx.array(data, dims, { min, max, nonFinite }), channels };
}

function filters(m: OpenedModel, p: FiltersParams, ctx: JobCtx): FiltersResult {
  const { lens } = m;
  const convs = layerEntries(lens.view).filter((e) => e.node.opType === 'Conv' || e.node.opType === 'ConvTranspose');
  if (convs.length === 0) throw new ConvlensError(ErrorCodes.UNKNOWN_LAYER, `${lens.source} has no Conv layers`);
  const layer = p.layer ? selectLayer(lens.view, p.layer) : selectLayer(lens.view, convs[0]!.index);
  if (layer.node.opType !== 'Conv' && layer.node.opType !== 'ConvTranspose') {
    throw new ConvlensError(ErrorCodes.BAD_USAGE, `layer ${layer.humanName} is a ${layer.node.opType}, not a Conv`, { hint: `conv layers: ${convs.slice(0, 8).map((c) => c.humanName).join(', ')}${convs.length > 8 ? ', …' : ''}` });
  }
  const weightName = layer.node.inputs[1] ?? '';
  if (!lens.view.isInitializer(weightName)) {
    throw new ConvlensError(ErrorCodes.BAD_USAGE, `the weights of ${layer.humanName} ("${weightName}") are computed at run time, not stored in an initializer`);
  }
  const w = lens.weights(weightName);
  const data = w.data instanceof Float32Array ? w.data : Float32Array.from(w.data as ArrayLike<number>, Number);
  const info = layerInfo(m, layer.tensor, layer, []);
  return { layer: info, weights: ctx.array(data, [...w.dims]), rgb: w.dims[1] === 3 };
}

async function explain(m: OpenedModel, p: ExplainParams, input: WireInput, ctx: JobCtx): Promise<ExplainResult> {
  const { lens } = m;
  const ids = Array.isArray(p.methods) ? p.methods : [];
  if (ids.length === 0) throw new ConvlensError(ErrorCodes.BAD_USAGE, 'explain needs params.methods, e.g. ["gradcam"]');
  const methods = ids.map((id) => getMethod(String(id)));
  const spec = specFor(lens, input.raster, p.preprocess);
  const pre = preprocessDetailed(input.raster, spec);
  const out = await lens.run(pre.tensor, [m.score]);
  // The run record carries the library's prediction shape (as the CLI's manifest does), the result the wire one.
  const { lib: recordPredictions, wire: predictions } = topk(m, out[m.score]!, 5);
  const target: TargetSpec = p.target ?? 'top1';
  const modelHash = await lens.modelHash();
  const maps: ExplainMap[] = [];
  let resultTarget: ExplainResult['target'] = { index: predictions[0]?.index ?? 0 };
  let camLayer: string | undefined;
  for (let mi = 0; mi < methods.length; mi++) {
    ctx.check();
    const method = methods[mi]!;
    const declared = new Set(method.params.map((x) => x.name));
    const params: Record<string, unknown> = {};
    if (p.layer !== undefined && declared.has('layer')) params.layer = p.layer;
    Object.assign(params, p.params?.[method.id] ?? {});
    const t0 = performance.now();
    const res = await method.explain({
      lens, input: pre.tensor, image: pre.input, target, output: m.score,
      ...(m.labels ? { labels: m.labels } : {}), ...(p.seed !== undefined ? { seed: p.seed } : {}),
      onProgress: (done, total) => {
        ctx.check();
        ctx.progress((mi + (total > 0 ? done / total : 0)) / methods.length, `${method.id} ${done}/${total}`);
      },
    }, params);
    const ms = performance.now() - t0;
    const [h, w] = res.map.dims.slice(-2) as [number, number];
    let norm: Float32Array;
    if (method.family === 'cam') {
      const n = res.arrays?.normalized;
      norm = n ? Float32Array.from((n.data as Float32Array).subarray(0, h * w)) : Float32Array.from(normalizeMinMax(res.map.data.subarray(0, h * w)).values);
      const layers = res.meta.extras.layers as { tensor: string }[] | undefined;
      camLayer ??= layers?.[0]?.tensor;
    } else {
      norm = Float32Array.from(renderAttribution(res.attribution ?? res.map, { method: 'heat_map', sign: 'absolute_value', layout: res.attribution ? lens.input.layout : 'NCHW' }).normalized);
    }
    const raw = res.attribution ? attributionToNchw(res.attribution, lens.input.layout) : res.map;
    const rawDims = raw.dims.slice(1);
    const rawSize = rawDims.reduce((a, b) => a * b, 1);
    const t = res.meta.target as { index?: number; label?: string };
    if (mi === 0 && typeof t.index === 'number') resultTarget = { index: t.index, ...(t.label !== undefined ? { label: t.label } : {}) };
    const record = buildRunRecord({ meta: res.meta, modelPath: lens.source, modelSha256: modelHash, input: { name: input.name }, preprocess: spec, predictions: recordPredictions });
    maps.push({ method: method.id, map: ctx.array(norm, [h, w]), raw: ctx.array(Float32Array.from(raw.data.subarray(0, rawSize)), rawDims), record: { ...record } /* the wire type is a plain JSON object */, ms });
    ctx.progress((mi + 1) / methods.length, `${method.id} done`);
  }
  return { target: resultTarget, ...(camLayer ? { layer: camLayer } : {}), maps, predictions };
}

async function visualize(m: OpenedModel, p: VisualizeParams, ctx: JobCtx): Promise<VisualizeResult> {
  const { lens } = m;
  let objectives: string[];
  let labels: string[];
  if (p.objective !== undefined && p.objective !== '') {
    objectives = [String(p.objective)];
    labels = objectives;
  } else if (p.layer) {
    const layer = selectLayer(lens.view, p.layer);
    const shapes = await lens.shapes(concreteShape(lens));
    const dims = shapes.get(layer.tensor)?.dims;
    const count = dims ? modelActLayout(dims, lens.input.layout).channels : undefined;
    const list = p.channels ?? Array.from({ length: count ?? 0 }, (_, i) => i);
    if (list.length === 0) throw new ConvlensError(ErrorCodes.BAD_USAGE, `no channels to visualize for layer ${layer.humanName}`);
    objectives = list.map((c) => `${JSON.stringify(layer.tensor)}:${Number(c)}`);
    labels = list.map((c) => `${layer.humanName}:${Number(c)}`);
  } else {
    throw new ConvlensError(ErrorCodes.BAD_USAGE, 'visualize needs params.objective or params.layer', { hint: 'e.g. { objective: "features.relu3:5" } or { layer: "features.relu3", channels: [0, 1] }' });
  }
  const steps = p.steps ?? 512;
  const every = Math.max(1, Math.floor(p.previewEvery ?? 16));
  let lastSent = 0; // progress goes out at most every 100 ms, besides previews and the last step
  const t0 = performance.now();
  const res = await visualizeFeatures(lens, {
    objectives, steps, ...(p.size ? { size: p.size } : {}), ...(p.seed !== undefined ? { seed: p.seed } : {}),
    ...(threads ? { sessionOptions: { intraOpThreads: threads } } : {}),
    onStep: (s) => {
      ctx.check();
      const done = s.chunk * s.steps + s.step;
      const frac = done / (s.chunks * s.steps);
      const preview = s.step % every === 0 || s.step === s.steps;
      const now = performance.now();
      if (!preview && s.step !== s.steps && now - lastSent < 100) return;
      lastSent = now;
      let arr: WireArray | undefined;
      if (preview) {
        const cur = s.current();
        const [, C, H, W] = cur.dims;
        arr = makeArray(Float32Array.from(cur.data.subarray(0, C * H * W)), [C, H, W]);
      }
      ctx.progress(frac, `step ${s.step}/${s.steps}${s.chunks > 1 ? ` · group ${s.chunk + 1}/${s.chunks}` : ''} · objective ${s.values[0]!.toFixed(3)}`, arr);
    },
  });
  const images = res.images.map((im) => {
    const C = im.pixels.length / (im.image.width * im.image.height);
    return { unit: labels[im.unit] ?? im.objective, image: ctx.array(Float32Array.from(im.pixels), [C, im.image.height, im.image.width]), value: im.unitValue };
  });
  const record = visualizeRecord(res, { tool: 'convlens studio visualize', modelPath: lens.source, modelSha256: await lens.modelHash(), unitLabels: labels, wallMs: performance.now() - t0 });
  return { images, trajectory: Array.from(res.images[0]?.trajectory ?? []), record: JSON.parse(JSON.stringify(record)) as Record<string, unknown> };
}

// ------------------------------------------------------------------ background warm-up

/** The warm-up in progress; jobs wait for it (it holds the event loop while compiling anyway). */
let warming: Promise<void> | undefined;

/**
 * Compiles and runs once the model's default Grad-CAM on an input (the forward + backward graph and
 * its session are then cached in the lens), so the first Explain run is as fast as later ones.
 * Failures are ignored: a model without gradients simply stays cold.
 */
async function warm(msg: Extract<ToWorker, { type: 'warm' }>): Promise<void> {
  try {
    const m = await openOnce(msg.modelPath);
    const spec = specFor(m.lens, msg.input.raster, msg.preprocess);
    const pre = preprocessDetailed(msg.input.raster, spec);
    await getMethod('gradcam').explain({ lens: m.lens, input: pre.tensor, image: pre.input, target: 'top1', output: m.score }, {});
  } catch {
    /* stays cold */
  }
}

// ------------------------------------------------------------------ loop

const running = new Map<string, JobCtx>();

async function runJob(msg: Extract<ToWorker, { type: 'run' }>): Promise<void> {
  const ctx: JobCtx = {
    jobId: msg.jobId,
    cancelled: false,
    check() { if (this.cancelled) throw new Cancelled(msg.jobId); },
    progress(progress, message, preview) { send({ type: 'progress', jobId: msg.jobId, progress, ...(message ? { message } : {}), ...(preview ? { preview } : {}) }); },
    arrays: [],
    array(data, dims, range) { const a = makeArray(data, dims, range); this.arrays.push(a); return a.ref; },
  };
  running.set(msg.jobId, ctx);
  try {
    if (warming) { await warming; ctx.check(); }
    if (msg.kind === '__crash' || msg.kind === '__hang') {
      if (!allowTestHooks) throw new ConvlensError(ErrorCodes.BAD_USAGE, `unknown job kind "${msg.kind}"`);
      if (msg.kind === '__crash') process.abort();
      for (;;) { /* a native hang: never yields, only a kill stops it */ }
    }
    if (!msg.modelPath) throw new ConvlensError(ErrorCodes.BAD_USAGE, 'no model for this job');
    const m = await openOnce(msg.modelPath);
    const params = msg.params as never;
    let result: unknown;
    switch (msg.kind) {
      case 'predict': result = await predict(m, params, needInput(msg.input)); break;
      case 'features': result = await features(m, msg.modelPath, params, needInput(msg.input), ctx); break;
      case 'filters': result = filters(m, params, ctx); break;
      case 'explain': result = await explain(m, params, needInput(msg.input), ctx); break;
      case 'visualize': result = await visualize(m, params, ctx); break;
      default: throw new ConvlensError(ErrorCodes.BAD_USAGE, `unknown job kind "${String(msg.kind)}"`);
    }
    send({ type: 'done', jobId: msg.jobId, result, arrays: ctx.arrays });
  } catch (e) {
    send({ type: 'failed', jobId: msg.jobId, error: toStudioError(e), ...(e instanceof Cancelled || ctx.cancelled ? { cancelled: true } : {}) });
  } finally {
    running.delete(msg.jobId);
  }
}

process.on('message', (raw) => {
  const msg = raw as ToWorker;
  switch (msg.type) {
    case 'init':
      threads = msg.threads;
      allowTestHooks = msg.allowTestHooks;
      if (msg.activationCacheBytes !== undefined) activations = new ActivationCache(msg.activationCacheBytes);
      send({ type: 'ready' });
      break;
    case 'describe':
      describe(msg.path).then(
        (value) => send({ type: 'described', reqId: msg.reqId, ok: true, value }),
        (e) => send({ type: 'described', reqId: msg.reqId, ok: false, error: toStudioError(e) }),
      );
      break;
    case 'run':
      void runJob(msg);
      break;
    case 'warm': {
      const w = (warming ?? Promise.resolve()).then(() => warm(msg));
      warming = w;
      void w.then(() => { if (warming === w) warming = undefined; });
      break;
    }
    case 'cancel': {
      const c = running.get(msg.jobId);
      if (c) c.cancelled = true;
      break;
    }
  }
});

// Ctrl-C reaches the whole process group: the parent decides when the worker stops.
process.on('SIGINT', () => undefined);
// The parent went away: nothing left to serve.
process.on('disconnect', () => process.exit(0));
