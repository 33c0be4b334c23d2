/**
 * The perturbation family's shared pipeline (Captum's `FeatureAblation` / pytorch-grad-cam's `BaseCAM`
 * role): resolve the score tensor and target, score the unperturbed input once, then push many
 * perturbed copies of the input through the model in batches and reduce each to the target's scalar.
 * Every perturbation of this family is x̃ = x ⊙ M + b ⊙ (1 − M) for a keep-mask M and a baseline b, so
 * methods only write masks ({@link forwardMasked}'s `fillMask`) and use the scores; they never touch
 * the runtime, batching, padding or timing. The masks go to a rewrite of the model that applies them
 * itself (`masked-input.ts`): JavaScript writes H·W mask values per copy, the runtime does the
 * C·H·W arithmetic, multithreaded. ({@link forwardPerturbed} takes arbitrary copies built in JS.)
 *
 * Batching: masks (or copies) are written straight into one reusable chunk buffer (no per-copy
 * allocation); a model with a dynamic batch axis gets `batchSize` copies per runtime call (default 64),
 * a model exported with a fixed batch B gets B per call (the last call padded by repeating its last
 * copy, the padding's scores dropped). The rewritten model's session lives in the lens's session
 * cache (same options, released with the lens).
 *
 * {@link definePerturbationMethod} turns a method's one-image computation into the family's
 * `ExplainMethod`: parameter validation with defaults, and inputs with N > 1 images explained one by
 * one and stacked into `[N, 1, H, W]`.
 */
import { ConvlensError, ErrorCodes, isConvlensError } from '../../errors.ts';
import type { Lens } from '../../lens.ts';
import { encodeModel } from '../../onnx/codec.ts';
import { addOutputs } from '../../onnx/rewrite/add-outputs.ts';
import { sizeOf } from '../../tensor.ts';
import type { AnyTypedArray, Tensor } from '../../tensor.ts';
import { imageTensor } from '../input.ts';
import type { ImageTensor } from '../input.ts';
import { resolveParams } from '../params.ts';
import { DEFAULT_SEED } from '../random.ts';
import { describeTarget, resolveTarget, scoreTensor, targetScore } from '../target.ts';
import type { ScoreTensor, Target, TargetSpec } from '../target.ts';
import { maskedInputModel } from './masked-input.ts';
import type { MaskedInputNames } from './masked-input.ts';
import type { ExplainContext, ExplainMeta, ExplainMethod, ExplainResult, ExplainTiming, MethodFamily, ParamSpec } from '../types.ts';

/** Default number of perturbed copies per runtime call for models with a dynamic batch axis. */
export const DEFAULT_BATCH_SIZE = 64;
/** Largest chunk buffer, in float32 values (256 MiB). */
const MAX_CHUNK_VALUES = 64 * 1024 * 1024;

/** Everything a perturbation method needs, resolved once per `explain()` call. */
export interface PerturbationRun {
  readonly ctx: ExplainContext;
  readonly img: ImageTensor;
  readonly score: ScoreTensor;
  readonly target: Target;
  /** f(x): the target's score for the unperturbed input. */
  readonly fx: number;
  /** Seed for stochastic methods. */
  readonly seed: number;
  /** Copies per runtime call. */
  readonly chunk: number;
  /** True when the model's batch axis is fixed (chunks are padded to it). */
  readonly fixedBatch: boolean;
  /** Counters behind {@link ExplainTiming}. */
  readonly stats: { runtimeMs: number; samples: number; runs: number; readonly t0: number };
}

function isTarget(t: TargetSpec | Target | undefined): t is Target {
  return typeof t === 'object' && t !== null && 'kind' in t;
}

/**
 * Validates the input, picks the score tensor and the target, and scores the unperturbed input.
 * @throws ConvlensError(INPUT_SHAPE) for anything but one float32 image; BAD_USAGE for a bad target
 */
export async function startPerturbation(ctx: ExplainContext): Promise<PerturbationRun> {
  const t0 = performance.now();
  const { lens } = ctx;
  const img = imageTensor(ctx.input, lens.input.layout, `input of ${lens.source}`);
  lens.inputShape(ctx.input.dims); // rank and fixed dims, with a message naming the model's input
  const score = scoreTensor(lens, { output: ctx.output });
  const d0 = lens.input.dims[0];
  const fixedBatch = typeof d0 === 'number' && d0 > 0;
  const sample = img.C * img.H * img.W;
  let chunk = fixedBatch ? d0 : ctx.batchSize ?? DEFAULT_BATCH_SIZE;
  if (!Number.isInteger(chunk) || chunk < 1) throw new ConvlensError(ErrorCodes.BAD_USAGE, `batchSize must be a positive integer, got ${chunk}`);
  if (!fixedBatch) chunk = Math.max(1, Math.min(chunk, Math.floor(MAX_CHUNK_VALUES / sample)));
  const stats = { runtimeMs: 0, samples: 0, runs: 0, t0 };
  const r0 = performance.now();
  let ref: Tensor;
  if (fixedBatch && d0 !== 1) {
    // Fixed batch B > 1: run B copies of the image.
    const data = new Float32Array(sample * d0);
    for (let b = 0; b < d0; b++) data.set(img.data, b * sample);
    ref = (await lens.run({ dtype: 'float32', dims: [d0, ...img.dims.slice(1)], data }, [score.tensor]))[score.tensor]!;
  } else {
    ref = (await lens.run(ctx.input, [score.tensor]))[score.tensor]!;
  }
  stats.runtimeMs += performance.now() - r0;
  stats.samples += 1;
  stats.runs += 1;
  const target = isTarget(ctx.target)
    ? ctx.target
    : resolveTarget(ctx.target, ref, { labels: ctx.labels ?? lens.labels, tensorName: score.tensor })[0]!;
  const fx = targetScore(ref, target)[0]!;
  if (!Number.isFinite(fx)) {
    throw new ConvlensError(ErrorCodes.NON_FINITE, `the model's score for the input is ${fx} (tensor "${score.tensor}")`, { hint: 'check the input preprocessing' });
  }
  return { ctx, img, score, target, fx, seed: ctx.seed ?? DEFAULT_SEED, chunk, fixedBatch, stats };
}

/**
 * Builds copy `i` of the input. `dst` is that copy's `C·H·W` slot of the chunk buffer (in the input
 * layout, holding garbage from earlier chunks); `slot` is its index in the chunk (`0 .. chunk-1`).
 */
export type FillCallback = (dst: Float32Array, i: number, slot: number) => void;
/** Receives the target scores of copies `start .. start + scores.length - 1` (copy `start + j` was built in slot `j`). */
export type ScoresCallback = (start: number, scores: Float64Array) => void;

/**
 * The chunk loop shared by the forward paths (also incremental occlusion's): `runChunk(start, count, rows)`
 * runs copies `start .. start+count-1` (padded to `rows` for a fixed batch axis) and returns the score
 * tensor; this loop times it, reads the target's scores and reports progress.
 */
export async function scoreChunks(
  run: PerturbationRun,
  total: number,
  runChunk: (start: number, count: number, rows: number) => Promise<Tensor>,
  onScores?: ScoresCallback,
): Promise<Float64Array> {
  const { chunk, fixedBatch, stats, score, target, ctx } = run;
  const all = new Float64Array(total);
  const rowScores = new Float64Array(chunk);
  for (let start = 0; start < total; start += chunk) {
    const count = Math.min(chunk, total - start);
    const rows = fixedBatch ? chunk : count;
    const r0 = performance.now();
    // onnxruntime-node runs synchronously on this thread, so there is nothing to overlap with.
    const out = await runChunk(start, count, rows);
    stats.runtimeMs += performance.now() - r0;
    stats.runs += 1;
    stats.samples += rows;
    if (out.dims[0] !== rows) {
      throw new ConvlensError(ErrorCodes.RUNTIME, `score tensor "${score.tensor}" has shape [${out.dims.join(', ')}] for a batch of ${rows}; expected the batch on axis 0`, {
        hint: 'explain a tensor that carries the batch on axis 0 (--output)',
      });
    }
    const s = targetScore(out, target, rowScores).subarray(0, count);
    all.set(s, start);
    onScores?.(start, s);
    ctx.onProgress?.(start + count, total);
  }
  return all;
}

/**
 * Scores `total` perturbed copies of the input in batches: `fill` builds each copy in JavaScript,
 * `onScores` gets the target's score of each chunk in order. Returns the scores of all copies.
 * (Perturbations of the form x ⊙ M + b ⊙ (1 − M) should use {@link forwardMasked}, which is faster.)
 */
export async function forwardPerturbed(run: PerturbationRun, total: number, fill: FillCallback, onScores?: ScoresCallback): Promise<Float64Array> {
  const { img, chunk, fixedBatch, score, ctx } = run;
  const sample = img.C * img.H * img.W;
  if (total === 0) return new Float64Array(0);
  const buf = new Float32Array((fixedBatch ? chunk : Math.min(total, chunk)) * sample);
  const tail = img.dims.slice(1);
  return scoreChunks(run, total, async (start, count, rows) => {
    for (let j = 0; j < count; j++) fill(buf.subarray(j * sample, (j + 1) * sample), start + j, j);
    // A fixed batch axis: pad the last chunk by repeating its last copy.
    for (let j = count; j < rows; j++) buf.copyWithin(j * sample, (count - 1) * sample, count * sample);
    return (await ctx.lens.run({ dtype: 'float32', dims: [rows, ...tail], data: buf.subarray(0, rows * sample) }, [score.tensor]))[score.tensor]!;
  }, onScores);
}

/**
 * Writes the keep-mask of copy `i` into `mask` (`H·W` values, row-major, for a per-pixel mask; `C·H·W`
 * in the input layout for a per-element mask). 1 keeps the input, 0 takes the baseline.
 */
export type MaskCallback = (mask: Float32Array, i: number, slot: number) => void;
/** Like {@link ScoresCallback}, plus the chunk's masks (copy `start + j`'s mask at `j · maskSize`). */
export type MaskScoresCallback = (start: number, scores: Float64Array, masks: Float32Array) => void;

/** Options for {@link forwardMasked}. */
export interface MaskedForwardOptions {
  /** Mask channels: 1 (default; one value per pixel, shared by the channels) or C (one per element). */
  channels?: number;
  /**
   * Where x̃ = x ⊙ M + b ⊙ (1 − M) is computed: `'auto'` (default: inside the model when it can be
   * rewritten, else in JavaScript), `'graph'` (inside the model, or fail), `'js'`.
   */
  mode?: 'auto' | 'graph' | 'js';
}

/** How a lens runs masked copies for one input geometry: the rewritten model's input names, or null (JS path). */
type MaskedPlan = { names: MaskedInputNames; key: string } | null;

/**
 * The masked-input rewrite of `lens` for this geometry, planned once per lens (kept in
 * `lens.state`); its runtime sessions live in the lens's own session cache and are released with it.
 */
async function maskedPlan(lens: Lens, img: ImageTensor, mc: number): Promise<MaskedPlan> {
  const plans = lens.state('perturbation:masked-input', () => new Map<string, Promise<MaskedPlan>>());
  const key = `perturbation-mask:${img.layout}:${img.dims.join('x')}:${mc}`;
  let p = plans.get(key);
  if (!p) {
    p = (async () => {
      try {
        const { names } = maskedInputModel(await lens.runnableModel(), lens.input.name, { layout: img.layout, C: img.C, H: img.H, W: img.W, maskChannels: mc, source: lens.source });
        return { names, key };
      } catch {
        return null;
      }
    })();
    plans.set(key, p);
  }
  return p;
}

/** Runs the masked-input rewrite (built on first use, cached by the lens) and returns `tensor`. */
async function runMasked(lens: Lens, img: ImageTensor, mc: number, plan: NonNullable<MaskedPlan>, feeds: Record<string, Tensor>, tensor: string): Promise<Tensor> {
  const declared = lens.view.outputs.some((o) => o.name === tensor);
  const build = async (): Promise<Uint8Array> => {
    const { model } = maskedInputModel(await lens.runnableModel(), lens.input.name, { layout: img.layout, C: img.C, H: img.H, W: img.W, maskChannels: mc, source: lens.source });
    return encodeModel(declared ? model : addOutputs(model, [tensor], { source: lens.source, unknownType: 'omit' }));
  };
  const out = await lens.withSession(`${plan.key}:${declared ? '' : tensor}`, build, (s) => s.run(feeds, [tensor]));
  return out[tensor]!;
}

/**
 * Scores `total` copies x̃ᵢ = x ⊙ Mᵢ + b ⊙ (1 − Mᵢ) of the input — the form of every perturbation in this
 * family. `fillMask` writes each keep-mask Mᵢ; the model itself computes x̃ᵢ (see `masked-input.ts`),
 * so only the masks cross into the runtime. Falls back to composing the copies in JavaScript when
 * the model cannot be rewritten. Returns the scores of all copies.
 *
 * @param baseline b, `C·H·W` values in the input layout
 */
export async function forwardMasked(
  run: PerturbationRun,
  baseline: Float32Array,
  total: number,
  fillMask: MaskCallback,
  onScores?: MaskScoresCallback,
  opts: MaskedForwardOptions = {},
): Promise<Float64Array> {
  const { img, chunk, fixedBatch, score, ctx } = run;
  const { C, H, W, cStride, pStride } = img;
  const HW = H * W;
  const mc = opts.channels ?? 1;
  if (mc !== 1 && mc !== C) throw new ConvlensError(ErrorCodes.BAD_USAGE, `forwardMasked: mask channels must be 1 or ${C}, got ${mc}`);
  if (baseline.length !== C * HW) throw new ConvlensError(ErrorCodes.BAD_USAGE, `forwardMasked: baseline has ${baseline.length} values, expected ${C * HW}`);
  if (total === 0) return new Float64Array(0);
  const maskSize = mc * HW;
  const masks = new Float32Array((fixedBatch ? chunk : Math.min(total, chunk)) * maskSize);
  const x = img.data;
  const chunkMasks = (start: number, count: number, rows: number): Float32Array => {
    for (let j = 0; j < count; j++) fillMask(masks.subarray(j * maskSize, (j + 1) * maskSize), start + j, j);
    for (let j = count; j < rows; j++) masks.copyWithin(j * maskSize, (count - 1) * maskSize, count * maskSize);
    return masks;
  };
  const scores = onScores ? (start: number, s: Float64Array) => onScores(start, s, masks) : undefined;
  const mode = opts.mode ?? 'auto';
  const plan = mode === 'js' ? null : await maskedPlan(ctx.lens, img, mc);
  if (plan) {
    const imgDims = [1, ...img.dims.slice(1)];
    const maskDims = (rows: number): number[] => (img.layout === 'NCHW' ? [rows, mc, H, W] : [rows, H, W, mc]);
    let first = true;
    try {
      return await scoreChunks(run, total, async (start, count, rows) => {
        chunkMasks(start, count, rows);
        const out = await runMasked(ctx.lens, img, mc, plan, {
          [plan.names.mask]: { dtype: 'float32', dims: maskDims(rows), data: masks.subarray(0, rows * maskSize) },
          [plan.names.image]: { dtype: 'float32', dims: imgDims, data: x },
          [plan.names.base]: { dtype: 'float32', dims: imgDims, data: baseline },
        }, score.tensor);
        first = false;
        return out;
      }, scores);
    } catch (e) {
      // A runtime that rejects the rewritten model (before any result was used) → the JavaScript path.
      if (!(first && mode === 'auto' && isConvlensError(e) && e.code === ErrorCodes.RUNTIME)) throw e;
      ctx.lens.state('perturbation:masked-input', () => new Map<string, Promise<MaskedPlan>>()).set(plan.key, Promise.resolve(null));
    }
  } else if (mode === 'graph') {
    throw new ConvlensError(ErrorCodes.UNSUPPORTED_OP, `${ctx.lens.source}: the model cannot be rewritten to apply masks in the graph`, { hint: "use mode 'auto' or 'js'" });
  }
  // JavaScript path: x̃ = x ⊙ M + b ⊙ (1 − M) written per copy.
  return forwardPerturbed(run, total, (dst, i, slot) => {
    const m = masks.subarray(slot * maskSize, (slot + 1) * maskSize);
    fillMask(m, i, slot);
    if (mc === 1) {
      for (let c = 0; c < C; c++) {
        const o = c * cStride;
        for (let q = 0; q < HW; q++) {
          const k = o + q * pStride, mq = m[q]!;
          dst[k] = x[k]! * mq + baseline[k]! * (1 - mq);
        }
      }
    } else {
      for (let k = 0; k < dst.length; k++) dst[k] = x[k]! * m[k]! + baseline[k]! * (1 - m[k]!);
    }
  }, scores);
}

/** Wraps a `H × W` float32 plane as the `[1, 1, H, W]` map tensor. */
export function mapTensor(data: Float32Array, H: number, W: number): Tensor<'float32'> {
  return { dtype: 'float32', dims: [1, 1, H, W], data };
}

/** Assembles the result record (timing is taken now). */
export function finish(
  run: PerturbationRun,
  method: { id: string; family: MethodFamily; stochastic: boolean },
  params: object,
  map: Float32Array,
  extras: Record<string, unknown> = {},
  more: Pick<ExplainResult, 'attribution' | 'arrays'> = {},
): ExplainResult {
  const { img, stats } = run;
  const timing: ExplainTiming = { totalMs: performance.now() - stats.t0, runtimeMs: stats.runtimeMs, samples: stats.samples, runs: stats.runs };
  const meta: ExplainMeta = {
    method: method.id,
    family: method.family,
    params: { ...params },
    seed: method.stochastic ? run.seed : null,
    target: describeTarget(run.target),
    score: run.score,
    input: { dims: [...img.dims], layout: img.layout },
    timing,
    extras: { fx: run.fx, batchSize: run.chunk, ...extras },
  };
  return { map: mapTensor(map, img.H, img.W), ...more, meta };
}

/** A perturbation method's definition: documentation plus the one-image computation. */
export interface PerturbationMethodDef<P extends object> {
  id: string;
  title: string;
  citation: string;
  stochastic: boolean;
  params: readonly ParamSpec[];
  /** Explains the single image in `ctx.input` (batch 1); `params` are validated, defaults filled in. */
  explainOne(ctx: ExplainContext, params: P): Promise<ExplainResult>;
}

/**
 * Builds an {@link ExplainMethod} of the perturbation family. A batch of N > 1 images is explained
 * image by image (each with its own target, resolved per image; `ctx.image` is only used for N = 1)
 * and stacked: `map` `[N, 1, H, W]`, `attribution` and `arrays` along axis 0, `meta.extras.items`
 * holding every image's target and extras, `meta.timing` summed.
 */
export function definePerturbationMethod<P extends object>(def: PerturbationMethodDef<P>): ExplainMethod<P> {
  return {
    id: def.id,
    family: 'perturbation',
    title: def.title,
    citation: def.citation,
    stochastic: def.stochastic,
    needsGradients: false,
    params: def.params,
    async explain(ctx: ExplainContext, given?: Partial<P>): Promise<ExplainResult> {
      const params = resolveParams<P>(def.id, def.params, given);
      const dims = ctx.input.dims;
      const n = dims[0] ?? 1;
      if (dims.length !== 4 || n <= 1) return def.explainOne(ctx, params);
      const per = sizeOf(dims.slice(1));
      const results: ExplainResult[] = [];
      for (let b = 0; b < n; b++) {
        const item = { dtype: ctx.input.dtype, dims: [1, ...dims.slice(1)], data: (ctx.input.data as AnyTypedArray).subarray(b * per, (b + 1) * per) } as Tensor;
        const onProgress = ctx.onProgress ? (done: number, total: number) => ctx.onProgress!(b * total + done, n * total) : undefined;
        results.push(await def.explainOne({ ...ctx, input: item, image: undefined, onProgress }, params));
      }
      return stackResults(results, [...dims]);
    },
  };
}

function stack(parts: readonly Tensor[]): Tensor {
  const first = parts[0]!;
  const per = first.data.length;
  const Ctor = (first.data as AnyTypedArray).constructor as new (n: number) => AnyTypedArray;
  const data = new Ctor(per * parts.length);
  parts.forEach((t, i) => (data as Float32Array).set(t.data as Float32Array, i * per));
  return { dtype: first.dtype, dims: [parts.length, ...first.dims.slice(1)], data } as Tensor;
}

function stackResults(results: readonly ExplainResult[], dims: number[]): ExplainResult {
  const first = results[0]!;
  const timing: ExplainTiming = { totalMs: 0, runtimeMs: 0, samples: 0, runs: 0 };
  for (const r of results) for (const k of Object.keys(timing) as (keyof ExplainTiming)[]) timing[k] += r.meta.timing[k];
  const arrays: Record<string, Tensor> = {};
  for (const key of Object.keys(first.arrays ?? {})) arrays[key] = stack(results.map((r) => r.arrays![key]!));
  return {
    map: stack(results.map((r) => r.map)) as Tensor<'float32'>,
    ...(first.attribution ? { attribution: stack(results.map((r) => r.attribution!)) as Tensor<'float32'> } : {}),
    ...(first.arrays ? { arrays } : {}),
    meta: {
      ...first.meta,
      input: { ...first.meta.input, dims },
      timing,
      extras: { items: results.map((r) => ({ target: r.meta.target, ...r.meta.extras })) },
    },
  };
}
