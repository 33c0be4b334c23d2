/**
 * The gradient family's shared pipeline (Captum's `GradientAttribution` base): every gradient method
 * is a thin file over {@link GradientPipeline}, which
 *
 * - validates the input, finds the score tensor (`scoreTensor`: the logits feeding a final Softmax by
 *   default) and resolves one target per batch item against the unperturbed scores;
 * - turns a target into the upstream gradient fed at the score tensor (`seedWeights`, shared with the CAM
 *   family: a one-hot row for a class; the region/mask weights on the chosen channel for dense outputs),
 *   so `Σ seed ⊙ scores` is exactly the scalar `targetScore` reads;
 * - pushes many copies of the input (noisy samples, path points) through ONE compiled forward+backward
 *   graph (`lens.gradients`, wrt the input), stacked along the batch axis in chunks of at most
 *   `ctx.batchSize` (64) rows — padded to one chunk shape so a single graph is compiled — and streams
 *   each row's input gradient and target score to the method (no n×input allocation);
 * - rethrows "no backward rule for op X" with a hint naming the gradient-free methods.
 *
 * {@link defineGradientMethod} wraps a method's `compute` into the family's `ExplainMethod`: parameter
 * validation with defaults, the channel reduction that makes the `[N, 1, ...spatial]` map, timing and the
 * manifest.
 */
import { ConvlensError, ErrorCodes, isConvlensError } from '../../errors.ts';
import type { Lens } from '../../lens.ts';
import { sizeOf } from '../../tensor.ts';
import type { Tensor } from '../../tensor.ts';
import { seedWeights } from '../cam/base-cam.ts';
import { resolveParams } from '../params.ts';
import { describeTarget, resolveTarget, scoreTensor, targetScore } from '../target.ts';
import type { ScoreTensor, Target } from '../target.ts';
import type { ExplainContext, ExplainMethod, ExplainResult, ParamSpec } from '../types.ts';

/** Backward rules a gradient method can ask for (see `src/core/autodiff/rule-sets.ts`). */
export type GradientRuleSet = 'standard' | 'guided' | 'deconvnet';

/** Methods that need forward passes only: what to use when a model has an op without a backward rule. */
export const GRADIENT_FREE_METHODS = ['occlusion', 'rise', 'lime', 'kernelshap', 'scorecam', 'ablationcam'] as const;

/** Largest number of stacked copies per runtime call unless `ctx.batchSize` says otherwise. */
export const DEFAULT_BATCH_SIZE = 64;

/**
 * Memory the default batch may use for the forward activations a backward graph keeps alive (bytes),
 * counted as 3× the forward tensors of one item (activations, their gradients, temporaries). A large
 * model at a large resolution gets fewer rows per call than {@link DEFAULT_BATCH_SIZE}; an explicit
 * `ctx.batchSize` is used as given.
 */
export const ACTIVATION_BUDGET_BYTES = 4 * 1024 ** 3;

/** How the per-channel attribution is reduced to the one-channel map. */
export type ChannelReduction = 'sum' | 'max-abs' | 'sum-abs' | 'mean';

/** Shape facts of the (batched) model input. */
export interface InputGeometry {
  /** Full input dims, batch first. */
  dims: number[];
  layout: 'NCHW' | 'NHWC';
  /** Batch items. */
  items: number;
  /** Channels (1 for inputs of rank ≤ 2). */
  channels: number;
  /** Spatial dims (H, W — or D, H, W — in order). */
  spatial: number[];
  /** Product of the spatial dims. */
  plane: number;
  /** Elements per batch item (`channels · plane`). */
  itemSize: number;
}

/** Geometry of an input of shape `dims` in `layout` (channel axis 1 for NCHW/NCDHW, last for NHWC). */
export function inputGeometry(dims: readonly number[], layout: 'NCHW' | 'NHWC'): InputGeometry {
  if (dims.length < 2) {
    throw new ConvlensError(ErrorCodes.INPUT_SHAPE, `gradient methods need an input with a batch axis, got shape [${dims.join(', ')}]`);
  }
  const items = dims[0]!;
  const rest = dims.slice(1);
  let channels = 1, spatial = rest;
  if (rest.length >= 2) {
    if (layout === 'NHWC') { channels = rest[rest.length - 1]!; spatial = rest.slice(0, -1); }
    else { channels = rest[0]!; spatial = rest.slice(1); }
  }
  const plane = sizeOf(spatial);
  return { dims: [...dims], layout, items, channels, spatial, plane, itemSize: channels * plane };
}

/** Offset of element (channel c, spatial position p) inside one item. */
export function elementIndex(g: InputGeometry, c: number, p: number): number {
  return g.layout === 'NHWC' ? p * g.channels + c : c * g.plane + p;
}

/**
 * Reduces per-channel values (`items × itemSize`, input layout) to one value per spatial position:
 * `'sum'` Σ_c v (signed, Captum's `visualize_image_attr` reduction), `'max-abs'` max_c |v| (Simonyan et
 * al. 2014's saliency map), `'sum-abs'` Σ_c |v|, `'mean'` Σ_c v / C.
 */
export function reduceChannels(values: Float32Array, g: InputGeometry, mode: ChannelReduction): Float32Array {
  const out = new Float32Array(g.items * g.plane);
  const C = g.channels;
  for (let b = 0; b < g.items; b++) {
    const base = b * g.itemSize;
    for (let p = 0; p < g.plane; p++) {
      let acc = 0;
      for (let c = 0; c < C; c++) {
        const v = values[base + elementIndex(g, c, p)]!;
        if (mode === 'max-abs') { const a = Math.abs(v); if (a > acc) acc = a; }
        else if (mode === 'sum-abs') acc += Math.abs(v);
        else acc += v;
      }
      out[b * g.plane + p] = mode === 'mean' ? acc / C : acc;
    }
  }
  return out;
}

/** What {@link GradientPipeline.run} pushes through the model. */
export interface SampleSpec {
  /** Copies per batch item (noise draws, path points...). */
  count: number;
  /** Writes copy `k` of item `b` (one item, input layout) into `out`. Called in order b = 0.., k = 0... */
  fill(b: number, k: number, out: Float32Array): void;
  /**
   * Scale of the upstream gradient for copy `k` of item `b` (default 1). 0 makes a forward-only row:
   * its gradient is zero but its target score is still reported (e.g. f(baseline) for IG).
   */
  weight?(b: number, k: number): number;
  /**
   * Receives the input gradient of the target score for copy `k` of item `b`, the target score of that
   * copy, and the copy itself (both arrays are views, valid only during the call).
   */
  consume(b: number, k: number, grad: Float32Array, score: number, input: Float32Array): void;
  /** Backward rules. Default `'standard'`. */
  ruleSet?: GradientRuleSet;
}

/** Runtime work counted by the pipeline. */
export interface PipelineStats {
  runtimeMs: number;
  samples: number;
  runs: number;
}

/**
 * One explanation's gradient machinery: input, score tensor, resolved targets, and batched VJPs.
 *
 * @example
 * const p = await GradientPipeline.create({ lens, input }, 'saliency');
 * const { grads } = await p.gradients();   // ∂ score[target] / ∂ input, shaped like the input
 */
export class GradientPipeline {
  readonly lens: Lens;
  readonly input: Tensor<'float32'>;
  readonly geometry: InputGeometry;
  readonly score: ScoreTensor;
  /** The score tensor for the unperturbed input. */
  readonly scores: Tensor;
  /** One resolved target per batch item. */
  readonly targets: Target[];
  /** Largest number of rows per runtime call (fixed by the model when its batch axis is fixed). */
  readonly maxBatch: number;
  /** Rows per call of the last {@link run}. */
  lastRows = 0;
  /** Batch size the model fixes, or null for a dynamic batch axis. */
  readonly fixedBatch: number | null;
  readonly stats: PipelineStats;
  readonly method: string;
  private readonly onProgress?: (done: number, total: number) => void;
  private readonly seedRows: Float32Array[];
  private readonly rowLen: number;

  private constructor(init: {
    lens: Lens; input: Tensor<'float32'>; geometry: InputGeometry; score: ScoreTensor; scores: Tensor; targets: Target[];
    maxBatch: number; fixedBatch: number | null; stats: PipelineStats; method: string; onProgress?: (done: number, total: number) => void;
  }) {
    this.lens = init.lens; this.input = init.input; this.geometry = init.geometry; this.score = init.score; this.scores = init.scores;
    this.targets = init.targets; this.maxBatch = init.maxBatch; this.fixedBatch = init.fixedBatch; this.stats = init.stats;
    this.method = init.method; this.onProgress = init.onProgress;
    this.rowLen = this.scores.dims.length >= 1 && this.scores.dims[0] === this.geometry.items ? sizeOf(this.scores.dims.slice(1)) : sizeOf(this.scores.dims);
    this.seedRows = this.targets.map((t) => seedWeights(t, this.scores.dims.length >= 1 && this.scores.dims[0] === this.geometry.items ? this.scores.dims : [1, ...this.scores.dims]));
  }

  /**
   * Validates `ctx.input`, runs the model once to read the scores, and resolves the target of every
   * batch item (`ctx.target`, default `'top1'`, per item).
   *
   * @throws ConvlensError INPUT_SHAPE for an input that does not fit the model, BAD_USAGE for a target out
   *   of range (the message gives the valid range)
   */
  static async create(ctx: ExplainContext, method: string): Promise<GradientPipeline> {
    const { lens } = ctx;
    if (ctx.input.dtype !== 'float32') {
      throw new ConvlensError(ErrorCodes.INPUT_SHAPE, `${method}: the input must be float32, got ${ctx.input.dtype}`, { hint: 'preprocess the image with lens.preprocessSpec()' });
    }
    const input = ctx.input as Tensor<'float32'>;
    lens.inputShape(input.dims); // rank and fixed dims
    const info = lens.input;
    const geometry = inputGeometry(input.dims, info.layout);
    const d0 = info.dims[0];
    const fixedBatch = typeof d0 === 'number' && d0 > 0 ? d0 : null;
    const wanted = ctx.batchSize ?? DEFAULT_BATCH_SIZE;
    if (!Number.isInteger(wanted) || wanted < 1) throw new ConvlensError(ErrorCodes.BAD_USAGE, `${method}: batchSize must be a positive integer, got ${wanted}`);
    let maxBatch = fixedBatch ?? wanted;
    if (fixedBatch === null && ctx.batchSize === undefined) {
      // bytes of every forward tensor for one item (shapes are computed once per input shape and cached)
      const infos = await lens.shapes([1, ...input.dims.slice(1)]);
      let perItem = 0;
      for (const info of infos.values()) perItem += sizeOf(info.dims) * 4;
      maxBatch = Math.max(1, Math.min(wanted, Math.floor(ACTIVATION_BUDGET_BYTES / (3 * Math.max(perItem, 1)))));
    }
    const score = scoreTensor(lens, { output: ctx.output });
    const stats: PipelineStats = { runtimeMs: 0, samples: 0, runs: 0 };
    const t0 = performance.now();
    const scores = (await lens.run(input, [score.tensor]))[score.tensor]!;
    stats.runtimeMs += performance.now() - t0;
    stats.runs += 1;
    stats.samples += geometry.items;
    const labels = ctx.labels ?? lens.labels;
    const spec = ctx.target;
    const targets: Target[] = [];
    for (let b = 0; b < geometry.items; b++) {
      if (spec !== undefined && typeof spec === 'object' && 'kind' in spec) targets.push(spec as Target);
      else targets.push(resolveTarget(spec, scores, { labels, tensorName: score.tensor, batchIndex: scores.dims[0] === geometry.items ? b : 0 })[0]!);
    }
    return new GradientPipeline({ lens, input, geometry, score, scores, targets, maxBatch, fixedBatch, stats, method, onProgress: ctx.onProgress });
  }

  /** Item `b` of the input (a view). */
  item(b: number): Float32Array {
    const n = this.geometry.itemSize;
    return this.input.data.subarray(b * n, (b + 1) * n);
  }

  /** Rows per runtime call for `total` rows: as even as possible, never above {@link maxBatch}. */
  chunkRows(total: number): number {
    if (this.fixedBatch !== null) return this.fixedBatch;
    const chunks = Math.ceil(total / this.maxBatch);
    return Math.ceil(total / chunks);
  }

  /**
   * Pushes `spec.count` copies of every item through the compiled gradient graph, `chunkRows` rows per
   * call (the last chunk padded with forward-only zero rows so every call has the same shape).
   */
  async run(spec: SampleSpec): Promise<void> {
    const g = this.geometry;
    const count = spec.count;
    if (!Number.isInteger(count) || count < 1) throw new ConvlensError(ErrorCodes.BAD_USAGE, `${this.method}: sample count must be a positive integer, got ${count}`);
    const total = g.items * count;
    const rows = this.chunkRows(total);
    this.lastRows = rows;
    const itemDims = g.dims.slice(1);
    const x = new Float32Array(rows * g.itemSize);
    const seed = new Float32Array(rows * this.rowLen);
    const seedDims = this.scores.dims[0] === g.items ? [rows, ...this.scores.dims.slice(1)] : [...this.scores.dims];
    const scoreOf = (scores: Tensor, j: number, b: number): number => {
      const t = this.targets[b]!;
      const one: Tensor = scores.dims[0] === rows ? { dtype: scores.dtype, dims: [1, ...scores.dims.slice(1)], data: (scores.data as Float32Array).subarray(j * this.rowLen, (j + 1) * this.rowLen) } as Tensor : scores;
      return targetScore(one, t)[0]!;
    };
    let done = 0;
    for (let start = 0; start < total; start += rows) {
      const n = Math.min(rows, total - start);
      const who: [number, number][] = [];
      for (let j = 0; j < rows; j++) {
        const xs = x.subarray(j * g.itemSize, (j + 1) * g.itemSize);
        const ss = seed.subarray(j * this.rowLen, (j + 1) * this.rowLen);
        if (j < n) {
          const flat = start + j;
          const b = Math.floor(flat / count), k = flat % count;
          who.push([b, k]);
          spec.fill(b, k, xs);
          const w = spec.weight ? spec.weight(b, k) : 1;
          const src = this.seedRows[b]!;
          if (w === 1) ss.set(src);
          else for (let i = 0; i < src.length; i++) ss[i] = src[i]! * w;
        } else {
          xs.fill(0);
          ss.fill(0);
        }
      }
      const t0 = performance.now();
      let res;
      try {
        res = await this.lens.gradients({
          input: { dtype: 'float32', dims: [rows, ...itemDims], data: x },
          seeds: { [this.score.tensor]: { dtype: 'float32', dims: seedDims, data: seed } },
          wrt: ['input'],
          ruleSet: spec.ruleSet ?? 'standard',
        });
      } catch (e) {
        throw this.explainError(e, spec.ruleSet ?? 'standard');
      }
      this.stats.runtimeMs += performance.now() - t0;
      this.stats.runs += 1;
      this.stats.samples += rows;
      const grad = res.gradients.input!.data as Float32Array;
      const scores = res.activations[this.score.tensor]!;
      for (let j = 0; j < n; j++) {
        const [b, k] = who[j]!;
        const span = [j * g.itemSize, (j + 1) * g.itemSize] as const;
        spec.consume(b, k, grad.subarray(...span), scoreOf(scores, j, b), x.subarray(...span));
      }
      done += n;
      this.onProgress?.(done, total);
    }
  }

  /**
   * The input gradient of every item's target score, shaped like the input (one runtime call for the
   * batch), plus each item's score.
   */
  async gradients(ruleSet: GradientRuleSet = 'standard'): Promise<{ grads: Float32Array; scores: Float64Array }> {
    const g = this.geometry;
    const grads = new Float32Array(g.items * g.itemSize);
    const scores = new Float64Array(g.items);
    await this.run({
      count: 1,
      ruleSet,
      fill: (b, _k, out) => out.set(this.item(b)),
      consume: (b, _k, grad, s) => { grads.set(grad, b * g.itemSize); scores[b] = s; },
    });
    return { grads, scores };
  }

  /** A rule-less op on the gradient path becomes an error that names the method and the alternatives. */
  private explainError(e: unknown, ruleSet: string): unknown {
    if (!isConvlensError(e)) return e;
    if (e.code !== ErrorCodes.NO_GRADIENT_RULE && e.code !== ErrorCodes.CONTROL_FLOW_ON_GRADIENT_PATH) return e;
    return new ConvlensError(e.code, `${this.method} needs the input gradient of "${this.score.tensor}" (rule set "${ruleSet}"), but ${e.message}`, {
      hint: `use a gradient-free method instead (forward passes only): ${GRADIENT_FREE_METHODS.join(', ')}${e.hint ? `; or: ${e.hint}` : ''}`,
      details: { ...e.details, method: this.method, gradientFree: [...GRADIENT_FREE_METHODS] },
      cause: e,
    });
  }
}

/** What a gradient method's `compute` returns. */
export interface GradientComputation {
  /** Per-element attribution, shaped like the input (all items). */
  attribution: Float32Array;
  /** How the map is made from it (ignored when `map` is given). */
  reduction: ChannelReduction;
  /** The one-channel map (`items × plane`), when it is not a plain reduction of `attribution`. */
  map?: Float32Array;
  extras?: Record<string, unknown>;
  arrays?: Record<string, Tensor>;
  /** Manifest entries replacing parameters that cannot be stored as JSON (tensors). */
  paramsRecord?: Record<string, unknown>;
  /** The run drew from `ctx.seed` although the method is not always stochastic (e.g. IG's uniform baseline). */
  usedSeed?: boolean;
  /** Runtime work done outside the pipeline (e.g. the Grad-CAM pass of Guided Grad-CAM), added to the timing. */
  timing?: PipelineStats;
}

/** A gradient method's definition: documentation plus the computation over the pipeline. */
export interface GradientMethodDef<P extends object> {
  id: string;
  title: string;
  citation: string;
  stochastic: boolean;
  params: readonly ParamSpec[];
  /**
   * Parameters that may hold a {@link Tensor} in the library (custom baseline, explicit noise); such a
   * value bypasses the JSON parameter validation and is recorded by its shape.
   */
  tensorParams?: readonly string[];
  compute(p: GradientPipeline, params: P, ctx: ExplainContext): Promise<GradientComputation>;
}

function isTensorValue(v: unknown): v is Tensor {
  return typeof v === 'object' && v !== null && 'dims' in v && 'data' in v && 'dtype' in v;
}

/**
 * Builds an {@link ExplainMethod} of the gradient family from its definition.
 *
 * `explain()` returns `map` `[N, 1, ...spatial]` (the method's channel reduction), `attribution` shaped
 * like the input (Captum's `attribute()` output, in the input's layout), and a manifest with every
 * parameter, the targets, the score tensor and the timing.
 */
export function defineGradientMethod<P extends object>(def: GradientMethodDef<P>): ExplainMethod<P> {
  return {
    id: def.id,
    family: 'gradient',
    title: def.title,
    citation: def.citation,
    stochastic: def.stochastic,
    needsGradients: true,
    params: def.params,
    async explain(ctx: ExplainContext, given?: Partial<P>): Promise<ExplainResult> {
      const t0 = performance.now();
      const plain: Record<string, unknown> = { ...(given ?? {}) };
      const tensors: Record<string, Tensor> = {};
      for (const name of def.tensorParams ?? []) {
        const v = plain[name];
        if (isTensorValue(v)) { tensors[name] = v; delete plain[name]; }
      }
      const params = { ...resolveParams<P>(def.id, def.params, plain as Partial<P>), ...tensors } as P;
      const p = await GradientPipeline.create(ctx, def.id);
      const out = await def.compute(p, params, ctx);
      const g = p.geometry;
      const mapData = out.map ?? reduceChannels(out.attribution, g, out.reduction);
      const record: Record<string, unknown> = { ...(params as Record<string, unknown>) };
      for (const [k, v] of Object.entries(tensors)) record[k] = { tensor: [...v.dims], dtype: v.dtype };
      Object.assign(record, out.paramsRecord ?? {});
      const extras: Record<string, unknown> = { reduction: out.map ? 'method-specific' : out.reduction, rowsPerCall: p.lastRows, ...out.extras };
      if (g.items > 1) extras.targets = p.targets.map(describeTarget);
      return {
        map: { dtype: 'float32', dims: [g.items, 1, ...g.spatial], data: mapData },
        attribution: { dtype: 'float32', dims: [...g.dims], data: out.attribution },
        ...(out.arrays ? { arrays: out.arrays } : {}),
        meta: {
          method: def.id,
          family: 'gradient',
          params: record,
          seed: def.stochastic || out.usedSeed ? (ctx.seed ?? 0) : null,
          target: describeTarget(p.targets[0]!),
          score: p.score,
          input: { dims: [...g.dims], layout: g.layout },
          timing: {
            totalMs: performance.now() - t0,
            runtimeMs: p.stats.runtimeMs + (out.timing?.runtimeMs ?? 0),
            samples: p.stats.samples + (out.timing?.samples ?? 0),
            runs: p.stats.runs + (out.timing?.runs ?? 0),
          },
          extras,
        },
      };
    },
  };
}
