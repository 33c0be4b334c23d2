/**
 * Feature visualization by activation maximization (Erhan et al. 2009; Olah, Mordvintsev & Schubert,
 * "Feature Visualization", Distill 2017; Lucid's `render_vis`): gradient ascent on an image so that a
 * unit of the network fires strongly. The shared pipeline every objective goes through:
 *
 *   params ─param.ts─▶ image ∈ [0,1] ─transforms.ts─▶ model input ─normalize─▶ ONNX model
 *      ▲                                                                           │ activations
 *      └── Adam ◀── exact adjoints (param, transforms, normalize) ◀── lens.gradients (compiled backward graph)
 *
 * One ORT call per step runs the forward and backward passes of the model for a whole batch of images
 * (an atlas: one channel per image, up to `imagesPerCall` at once; `batch` images per unit coupled by a
 * diversity term); the parameterization, transforms and objective are float64 JavaScript with exact
 * adjoints. Objectives that are nonlinear in the activations (deepdream, probability, diversity) take
 * one extra forward run per step to read the activations their upstream gradient depends on.
 *
 * Runs are deterministic for a seed: image i draws its initialization and its transforms from its own
 * stream (seed, i), so the result does not depend on how images are grouped into calls. Intermediate
 * images are kept at `thresholds` steps. At the end every image is scored on its own (no transforms)
 * and under fresh random transforms (`retained`: the fraction of its unit objective that survives —
 * adversarial noise does not).
 */
import { ConvlensError, ErrorCodes } from '../../errors.ts';
import { Lens } from '../../lens.ts';
import type { Tensor } from '../../tensor.ts';
import type { SessionOptions } from '../../runtime/backend.ts';
import type { ModelProto, ValueInfoProto } from '../../onnx/proto-types.ts';
import { resolveNormalize } from '../../image/preprocess.ts';
import type { Raster } from '../../image/raster.ts';
import { Rng, DEFAULT_SEED } from '../random.ts';
import { Adam } from './adam.ts';
import { ImageParam } from './param.ts';
import type { SpatialParam } from './param.ts';
import { NO_TRANSFORM, Sampler, drawTransform, standardTransforms, validateTransforms } from './transforms.ts';
import type { TransformStep } from './transforms.ts';
import { combine, diversity as diversityObjective, parseObjective } from './objectives.ts';
import type { Objective } from './objectives.ts';
import { BatchObjective, resolveObjective } from './evaluate.ts';
import { redirectedRelu } from './redirected-relu.ts';
import { InputFeeder } from './feed.ts';
import type { ResolvedObjective, TermValues } from './evaluate.ts';

/** Options for {@link visualizeFeatures}. */
export interface FeatureVisOptions {
  /**
   * What to maximize: one objective (or expression) per unit. Each unit gets {@link batch} images.
   * @example ['features.relu3:0', 'features.relu3:1'] // two channels, one image each
   * @example [channel('layer4', 12)]
   */
  objectives: readonly (Objective | string)[];
  /** Images per unit (default 1). With more than one, a diversity term is added (see {@link diversity}). */
  batch?: number;
  /**
   * Weight of the diversity term added when {@link batch} > 1 (default 0.1; 0 disables). Its value is
   * minus the mean cosine similarity of the images' Gram matrices (Lucid's `diversity`, negated). Being
   * scale-free, its gradient grows as activations shrink, so it is warmed up: no diversity gradient in
   * the first 10 % of the steps, full weight from 50 %, and none for an image whose unit is dead at
   * that step (weights above ~0.3 can still keep weak units of small ReLU nets from firing).
   */
  diversity?: number;
  /** Layer the diversity term reads (default: the first spatial layer of the objective, else the last spatial layer before the head). */
  diversityLayer?: string;
  /** Adam steps (default 512). */
  steps?: number;
  /** Adam learning rate (default 0.05). */
  lr?: number;
  /**
   * Size of the optimized image, `[height, width]` or one number for a square (default: the model's
   * input size). Models with dynamic spatial dims are run at this size; for fixed-size models the image
   * is stretched to the input.
   * @example 128
   */
  size?: number | readonly [number, number];
  /** Spatial parameterization: `'fft'` (default) or `'pixel'`. */
  param?: SpatialParam;
  /** Decorrelate RGB colours (default true; ignored for non-RGB inputs). */
  decorrelate?: boolean;
  /**
   * Robustness transforms applied every step: `true` (default) = {@link standardTransforms} for the
   * image size, `false` = none, or an explicit list.
   * @example [{ kind: 'jitter', pixels: 4 }, { kind: 'rotate', degrees: [-5, 0, 5] }]
   */
  transforms?: boolean | readonly TransformStep[];
  /** Seed of the initialization and of every random transform (default 0). */
  seed?: number;
  /** Steps after which the current images are kept (default `[steps]`). @example [32, 128, 512] */
  thresholds?: readonly number[];
  /** Standard deviation of the random initialization (default 0.01). */
  sd?: number;
  /**
   * Most images per runtime call (default 16). Units are never split across calls. On CPU, per-image
   * cost is flat up to ~16 images of 224² and grows beyond (memory traffic); GPU runtimes like more.
   */
  imagesPerCall?: number;
  /** Fresh random transforms drawn to measure how much of each objective survives them (default 8; 0 skips). */
  robustnessDraws?: number;
  /**
   * Redirect gradient through dead ReLUs until every image's unit has fired once (default true; see
   * redirected-relu.ts). A unit that is inactive at every position of the nearly uniform starting image
   * gets no gradient at all; Lucid redirects for a fixed 16 steps, here the exact gradient takes over
   * as soon as all units of a call are non-zero (images whose gradient flows get the exact gradient
   * either way). On the demo models this beats the fixed 16 steps (no unit left behind) and never
   * redirecting (most shapes-cnn relu3 channels never start).
   */
  redirectRelu?: boolean;
  /** Named vectors for `direction(L, name)` terms. */
  vectors?: Record<string, readonly number[]>;
  /** Session options for the batch-enabled copy of a model whose input fixes the batch to 1 (e.g. `{ intraOpThreads: 1 }`). */
  sessionOptions?: SessionOptions;
  /** Called after every step. */
  onStep?: (p: StepProgress) => void;
}

/** Progress of {@link visualizeFeatures}, reported after every step. */
export interface StepProgress {
  /** Current call group (0-based): the images of one runtime call, optimized together. */
  chunk: number;
  /** How many call groups the run has. */
  chunks: number;
  /** Step just finished (1-based). */
  step: number;
  /** Steps per call group (the run's `steps`). */
  steps: number;
  /** Global indices of the images of this chunk. */
  images: readonly number[];
  /** Objective value of each image of the chunk at this step (under its random transform). */
  values: Float64Array;
  /**
   * The chunk's current images in [0, 1], `[n][C][H][W]` (a fresh copy, computed only when called; for
   * live previews such as the studio's). Calling it does not change the optimization.
   */
  current: () => { data: Float64Array; dims: [number, number, number, number] };
}

/** One optimized image. */
export interface FeatureVisImage {
  /** Index of the unit (objective) in `objectives`. */
  unit: number;
  /** Index of this image among the unit's `batch` images. */
  index: number;
  /** The objective maximized, as an expression. */
  objective: string;
  /** The final image, 8-bit (gray for 1-channel inputs, RGB for 3, the first three channels otherwise). */
  image: Raster;
  /** The final image in [0, 1], `[C][H][W]` float64. */
  pixels: Float64Array;
  /** Objective value at every step (under that step's random transform). */
  trajectory: Float64Array;
  /** Objective of the final image without transforms (all terms, regularizers included). */
  value: number;
  /** The unit terms alone (activation terms without diversity and regularizers), without transforms. */
  unitValue: number;
  /** Mean of the unit terms under fresh random transforms ({@link FeatureVisOptions.robustnessDraws} draws). */
  transformedValue?: number;
  /** `transformedValue / unitValue` (absent when the unit value is 0). */
  retained?: number;
  /** Images kept at the thresholds. */
  snapshots: { step: number; image: Raster }[];
}

/** Settings of a run as used (for manifests). */
export interface FeatureVisSettings {
  /** Adam steps per image. */
  steps: number;
  /** Adam learning rate. */
  lr: number;
  /** Images per unit. */
  batch: number;
  /** Size of the optimized images, `[height, width]`. */
  size: [number, number];
  /** Shape of the model input fed per runtime call (first call group; NCHW or NHWC as the model). */
  modelInput: number[];
  /** Spatial parameterization used. */
  param: SpatialParam;
  /** Whether colours were decorrelated (only ever true for 3-channel inputs). */
  decorrelate: boolean;
  /** The robustness transforms drawn every step (empty: none). */
  transforms: readonly TransformStep[];
  /** Seed of the run. */
  seed: number;
  /** Steps at which snapshots were kept. */
  thresholds: number[];
  /** Standard deviation of the initialization. */
  sd: number;
  /** Weight of the diversity term added per unit (0 when `batch` is 1). */
  diversity: number;
  /** Most images per runtime call (a multiple of `batch`). */
  imagesPerCall: number;
  /** Whether the redirected-ReLU start was used. */
  redirectRelu: boolean;
  /** The model's input normalization applied after the transforms, per channel, in [0, 1] units. */
  normalize: { mean: number[]; std: number[] };
  /** Runtime calls per step (1, or 2 for objectives nonlinear in the activations). */
  callsPerStep: number;
}

/** Result of {@link visualizeFeatures}. */
export interface FeatureVisResult {
  /** Every image, unit-major (`images[u * batch + b]`). */
  images: FeatureVisImage[];
  /** The settings as used (defaults filled in). */
  settings: FeatureVisSettings;
  /** The resolved objectives (tensors read), per unit. */
  objectives: { text: string; tensors: string[] }[];
  /**
   * Wall time of the whole call (`totalMs`, compiling and scoring included), per step of one call
   * group (`msPerStep`), the number of images and of call groups.
   */
  timing: { totalMs: number; msPerStep: number; images: number; chunks: number };
}

/** The seed of image i's stream (mixes the run seed and the image index; safe for any 53-bit seed). */
function imageSeed(seed: number, i: number): number {
  const lo = (seed >>> 0) ^ Math.imul(i + 1, 0x9e3779b1);
  const hi = Math.floor(seed / 4294967296) % 2097152;
  return hi * 4294967296 + (lo >>> 0);
}

/**
 * Optimizes images that maximize the given objectives.
 *
 * @example
 * const lens = await openModel('models/shapes-cnn.onnx');
 * const res = await visualizeFeatures(lens, { objectives: ['features.relu3:5'], steps: 256 });
 * res.images[0].image;   // Raster to save as PNG
 * res.images[0].retained; // e.g. 0.93
 */
export async function visualizeFeatures(lens: Lens, opts: FeatureVisOptions): Promise<FeatureVisResult> {
  const t0 = performance.now();
  const input = lens.input;
  if (input.dtype !== 'float32') throw new ConvlensError(ErrorCodes.BAD_USAGE, `feature visualization needs a float32 image input; input "${input.name}" of ${lens.source} is ${input.dtype}`);
  if (input.dims.length !== 4) throw new ConvlensError(ErrorCodes.INPUT_SHAPE, `feature visualization needs a 4-D image input; input "${input.name}" of ${lens.source} has shape [${input.dims.map((d) => d ?? '?').join(', ')}]`);
  const layout = input.layout;
  const [ci, hi, wi] = layout === 'NCHW' ? [1, 2, 3] : [3, 1, 2];
  const dimOf = (i: number): number | undefined => (typeof input.dims[i] === 'number' && (input.dims[i] as number) > 0 ? (input.dims[i] as number) : undefined);
  const channels = dimOf(ci);
  if (!channels) throw new ConvlensError(ErrorCodes.INPUT_SHAPE, `input "${input.name}" of ${lens.source} has no fixed channel count`);
  const reqSize = typeof opts.size === 'number' ? ([opts.size, opts.size] as const) : opts.size;
  const modelH = dimOf(hi) ?? reqSize?.[0], modelW = dimOf(wi) ?? reqSize?.[1];
  if (!modelH || !modelW) throw new ConvlensError(ErrorCodes.INPUT_SHAPE, `input "${input.name}" of ${lens.source} has symbolic spatial dims`, { hint: 'pass the image size, e.g. --size 224' });
  const size: [number, number] = reqSize ? [reqSize[0], reqSize[1]] : [modelH, modelW];
  if (!size.every((s) => Number.isInteger(s) && s >= 4 && s <= 4096)) throw new ConvlensError(ErrorCodes.BAD_USAGE, `image size ${size.join('x')} must be integers in 4..4096`);
  const steps = opts.steps ?? 512;
  if (!Number.isInteger(steps) || steps < 1) throw new ConvlensError(ErrorCodes.BAD_USAGE, `steps must be a positive integer, got ${steps}`);
  const thresholds = [...new Set(opts.thresholds ?? [steps])].sort((a, b) => a - b);
  for (const t of thresholds) {
    if (!Number.isInteger(t) || t < 1 || t > steps) throw new ConvlensError(ErrorCodes.BAD_USAGE, `threshold ${t} must be an integer in 1..${steps} (the number of steps)`, { hint: 'e.g. --steps 512 --thresholds 32,128,512' });
  }
  const batch = opts.batch ?? 1;
  if (!Number.isInteger(batch) || batch < 1) throw new ConvlensError(ErrorCodes.BAD_USAGE, `batch must be a positive integer, got ${batch}`);
  const seed = opts.seed ?? DEFAULT_SEED;
  new Rng(seed); // validates
  const transforms: readonly TransformStep[] = opts.transforms === false ? [] : opts.transforms === true || opts.transforms === undefined ? standardTransforms(Math.max(...size)) : opts.transforms;
  validateTransforms(transforms);
  const param = opts.param ?? 'fft';
  const lr = opts.lr ?? 0.05;
  const sd = opts.sd ?? 0.01;
  const divWeight = batch > 1 ? (opts.diversity ?? 0.1) : 0;
  const perCall = Math.max(batch, Math.floor((opts.imagesPerCall ?? 16) / batch) * batch);
  const draws = opts.robustnessDraws ?? 8;
  const redirect = opts.redirectRelu ?? true;
  if (opts.objectives.length === 0) throw new ConvlensError(ErrorCodes.BAD_USAGE, 'no objective given', { hint: 'e.g. --channel 3, --class 2 or --objective "layer4:12"' });

  // normalization of the model input
  const shape1 = layout === 'NCHW' ? [1, channels, modelH, modelW] : [1, modelH, modelW, channels];
  let normalize: { mean: number[]; std: number[] };
  try {
    normalize = resolveNormalize(lens.preprocessSpec({}, shape1).normalize, channels);
  } catch {
    normalize = { mean: new Array(channels).fill(0), std: new Array(channels).fill(1) };
  }

  // objectives
  const objectives: Objective[] = opts.objectives.map((o) => (typeof o === 'string' ? parseObjective(o) : o));
  const withDiversity = objectives.map((o) => (divWeight !== 0 && !o.terms.some((t) => t.term.kind === 'diversity') ? combine([1, o], [divWeight, diversityObjective(opts.diversityLayer)]) : o));
  const resolved: ResolvedObjective[] = [];
  for (const o of withDiversity) resolved.push(await resolveObjective(lens, o, { inputShape: shape1, vectors: opts.vectors }));
  for (const r of resolved) {
    if (!r.terms.some((t) => t.tensor)) throw new ConvlensError(ErrorCodes.BAD_USAGE, `objective "${r.text}" reads no layer of the model (only image regularizers)`, { hint: 'add a unit, e.g. layer4:12 - 0.05*tv' });
  }

  const total = objectives.length * batch;
  const chunks: number[][] = [];
  for (let i = 0; i < total; i += perCall) chunks.push(Array.from({ length: Math.min(perCall, total - i) }, (_, k) => i + k));

  // a copy of the model with a dynamic batch when its input fixes the batch to 1
  const fixedBatch = dimOf(0);
  let runLens = lens;
  if (fixedBatch !== undefined && chunks.some((c) => c.length !== fixedBatch)) {
    if (fixedBatch !== 1) throw new ConvlensError(ErrorCodes.INPUT_SHAPE, `input "${input.name}" of ${lens.source} fixes the batch to ${fixedBatch}`, { hint: `use imagesPerCall ${fixedBatch}` });
    runLens = await dynamicBatchLens(lens, opts.sessionOptions);
  }

  const images: FeatureVisImage[] = [];
  let stepCount = 0;
  const tLoop = performance.now();
  for (let ck = 0; ck < chunks.length; ck++) {
    const idx = chunks[ck]!;
    const n = idx.length;
    const chunkObjs = idx.map((i) => resolved[Math.floor(i / batch)]!);
    const bo = new BatchObjective(chunkObjs, idx.map((i) => Math.floor(i / batch)));
    const pv = new ImageParam({ batch: n, channels, height: size[0], width: size[1], param, decorrelate: opts.decorrelate, sd });
    const rngs = idx.map((i) => new Rng(imageSeed(seed, i)));
    rngs.forEach((r, k) => pv.init(k, r));
    const adam = new Adam(pv.params.length, { lr });
    const modelShape = layout === 'NCHW' ? [n, channels, modelH, modelW] : [n, modelH, modelW, channels];
    const feeder = new InputFeeder(modelShape, layout, normalize);
    const upstream: Record<string, Tensor<'float32'>> = {};
    for (const t of bo.tensors) {
      const L = bo.layouts.get(t)!;
      upstream[t] = { dtype: 'float32', dims: [n, ...L.dims], data: new Float32Array(n * L.size) };
    }
    if (bo.linear) bo.evaluate(undefined, dataOf(upstream));
    const trajectories = idx.map(() => new Float64Array(steps));
    const snapshots: FeatureVisImage['snapshots'][] = idx.map(() => []);
    const gImg = new Float64Array(n * channels * size[0] * size[1]);
    const gParams = new Float64Array(pv.params.length);
    const fit: readonly [number, number] = [modelH, modelW];
    const started = idx.map(() => false);
    for (let step = 1; step <= steps; step++) {
      const x01 = pv.forward();
      const samplers = rngs.map((r) => new Sampler(transforms.length ? drawTransform(transforms, r) : NO_TRANSFORM, size, fit));
      const x = feeder.feed(x01, samplers, channels);
      let ev: TermValues;
      let redirecting = redirect && !started.every(Boolean);
      if (!bo.linear) {
        const acts = await runLens.run(x, bo.tensors);
        for (const t of bo.tensors) upstream[t]!.data.fill(0);
        // the activations are known before the gradient: an image whose unit is dead right now gets
        // its unit's gradient alone, redirected (diversity through the live channels would block it)
        const ramp = Math.min(1, Math.max(0, (step - 0.1 * steps) / (0.4 * steps))); // diversity warm-up
        ev = bo.evaluate(dataOf(acts), dataOf(upstream), { diversityOnlyAlive: redirect, diversityGradientScale: ramp });
        redirecting ||= redirect && !ev.alive.every(Boolean);
      }
      const res = await runLens.gradients({ input: x, seeds: upstream, wrt: ['input'], ...(redirecting ? { ruleSet: redirectedRelu } : {}) });
      if (bo.linear) ev = bo.evaluate(dataOf(res.activations));
      const values = ev!.total;
      // an image has started once every unit term is non-zero (a ReLU-like unit active somewhere)
      ev!.alive.forEach((a, k) => { if (a) started[k] = true; });
      gImg.fill(0);
      const reg = bo.hasImageTerms ? bo.imageTerms(x01, channels, size[0], size[1], gImg) : undefined;
      feeder.backward(res.gradients.input!, samplers, channels, gImg);
      pv.backward(gImg, gParams);
      adam.ascend(pv.params, gParams);
      for (let k = 0; k < n; k++) trajectories[k]![step - 1] = values[k]! + (reg ? reg[k]! : 0);
      if (thresholds.includes(step)) {
        const now = pv.forward();
        for (let k = 0; k < n; k++) snapshots[k]!.push({ step, image: toRaster(now, k, channels, size) });
      }
      stepCount++;
      opts.onStep?.({
        chunk: ck, chunks: chunks.length, step, steps, images: idx, values: Float64Array.from(trajectories.map((tr) => tr[step - 1]!)),
        current: () => ({ data: pv.forward().slice(), dims: [n, channels, size[0], size[1]] }),
      });
    }
    // final scoring: the image alone, then under fresh random transforms
    const final = pv.forward().slice();
    const clean = await scoreImages(runLens, bo, feeder, final, idx.map(() => new Sampler(NO_TRANSFORM, size, fit)), channels, size);
    let transformed: Float64Array | undefined;
    if (draws > 0 && transforms.length > 0) {
      transformed = new Float64Array(n);
      const rr = idx.map((i) => new Rng(imageSeed(seed, i + 0x40000000))); // streams apart from the optimization's
      for (let d = 0; d < draws; d++) {
        const s = await scoreImages(runLens, bo, feeder, final, rr.map((r) => new Sampler(drawTransform(transforms, r), size, fit)), channels, size);
        for (let k = 0; k < n; k++) transformed[k]! += s.units[k]! / draws;
      }
    }
    for (let k = 0; k < n; k++) {
      const i = idx[k]!, per = channels * size[0] * size[1];
      const pixels = final.slice(k * per, (k + 1) * per);
      images.push({
        unit: Math.floor(i / batch), index: i % batch, objective: chunkObjs[k]!.text,
        image: toRaster(final, k, channels, size), pixels, trajectory: trajectories[k]!,
        value: clean.total[k]!, unitValue: clean.units[k]!,
        ...(transformed ? { transformedValue: transformed[k]!, ...(clean.units[k] !== 0 ? { retained: transformed[k]! / clean.units[k]! } : {}) } : {}),
        snapshots: snapshots[k]!,
      });
    }
  }
  const loopMs = performance.now() - tLoop;
  return {
    images,
    settings: {
      steps, lr, batch, size, modelInput: layout === 'NCHW' ? [chunks[0]!.length, channels, modelH, modelW] : [chunks[0]!.length, modelH, modelW, channels], param,
      decorrelate: (opts.decorrelate ?? true) && channels === 3, transforms, seed, thresholds, sd, diversity: divWeight, imagesPerCall: perCall, redirectRelu: redirect, normalize,
      callsPerStep: resolved.some((r) => r.terms.some((t) => t.tensor && !t.linear)) ? 2 : 1,
    },
    objectives: resolved.map((r) => ({ text: r.text, tensors: [...new Set(r.terms.filter((t) => t.tensor).map((t) => t.tensor!))] })),
    timing: { totalMs: performance.now() - t0, msPerStep: stepCount ? loopMs / stepCount : 0, images: total, chunks: chunks.length },
  };
}

function dataOf<T extends Tensor>(r: Record<string, T>): Record<string, T['data'] & (Float32Array | Float64Array)> {
  const out: Record<string, Float32Array | Float64Array> = {};
  for (const [k, v] of Object.entries(r)) out[k] = v.data as Float32Array | Float64Array;
  return out as Record<string, T['data'] & (Float32Array | Float64Array)>;
}

/** Values of a batch of final images under given samplers (one forward run). */
async function scoreImages(lens: Lens, bo: BatchObjective, feeder: InputFeeder, x01: Float64Array, samplers: Sampler[], channels: number, size: readonly [number, number]): Promise<{ total: Float64Array; units: Float64Array }> {
  const x = feeder.feed(x01, samplers, channels);
  const acts = await lens.run(x, bo.tensors);
  const v = bo.evaluate(dataOf(acts));
  const reg = bo.hasImageTerms ? bo.imageTerms(x01, channels, size[0], size[1]) : undefined;
  if (reg) for (let k = 0; k < bo.n; k++) v.total[k]! += reg[k]!;
  return v;
}

/** Image k of `[N][C][H][W]` values in [0, 1] as an 8-bit raster (gray, RGB, or the first three channels). */
export function toRaster(x: Float64Array, k: number, channels: number, size: readonly [number, number]): Raster {
  const [h, w] = size, hw = h * w, off = k * channels * hw;
  const out = channels === 1 ? 1 : 3;
  const data = new Uint8Array(hw * out);
  for (let c = 0; c < out; c++) {
    const src = channels === 2 ? -1 : c; // 2 channels: their mean as gray
    for (let p = 0; p < hw; p++) {
      const v = src < 0 ? (x[off + p]! + x[off + hw + p]!) / 2 : x[off + src * hw + p]!;
      data[p * out + c] = Math.max(0, Math.min(255, Math.round(v * 255)));
    }
  }
  return { width: w, height: h, channels: out as 1 | 3, data };
}

/**
 * The batch-enabled copy of `lens`'s model ({@link withDynamicBatch}) for these session options, made
 * once and kept with the lens (disposed with it), so repeated calls (a studio's atlas jobs) do not
 * re-encode, re-compile and re-open it.
 */
async function dynamicBatchLens(lens: Lens, sessionOptions?: SessionOptions): Promise<Lens> {
  const copies = lens.state('featurevis:dynamic-batch', () => {
    const m = new Map<string, Promise<Lens>>();
    return { m, async dispose() { for (const p of m.values()) await (await p.catch(() => undefined))?.dispose(); m.clear(); } };
  });
  const key = JSON.stringify(sessionOptions ?? {});
  let p = copies.m.get(key);
  if (!p) {
    p = withDynamicBatch(lens, sessionOptions);
    p.catch(() => copies.m.delete(key));
    copies.m.set(key, p);
  }
  return p;
}

/**
 * A {@link Lens} over a copy of `lens`'s model whose first input and outputs have a symbolic batch
 * dim `N` instead of a fixed 1 (intermediate value_info shapes are dropped), so a batch of images runs
 * in one call. The caller disposes it. Models whose graph bakes the batch size into a Reshape fail at
 * run time with the runtime's message.
 */
export async function withDynamicBatch(lens: Lens, sessionOptions?: SessionOptions): Promise<Lens> {
  const m = await lens.runnableModel();
  const g = m.graph ?? {};
  const relax = (vi: ValueInfoProto): ValueInfoProto => {
    const dims = vi.type?.tensorType?.shape?.dim;
    if (!dims || dims.length === 0) return vi;
    const [first, ...rest] = dims;
    if (Number(first?.dimValue ?? 0) !== 1) return vi;
    return { ...vi, type: { ...vi.type, tensorType: { ...vi.type!.tensorType, shape: { dim: [{ dimParam: 'N' }, ...rest] } } } };
  };
  const inputName = lens.input.name;
  const model: ModelProto = {
    ...m,
    graph: { ...g, input: (g.input ?? []).map((vi) => (vi.name === inputName ? relax(vi) : vi)), output: (g.output ?? []).map(relax), valueInfo: [] },
  };
  return new Lens(model, { backend: lens.backend, source: lens.source, sessionOptions });
}
