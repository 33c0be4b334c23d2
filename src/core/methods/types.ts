/**
 * The documented surface of an explanation method (Captum's single `attribute()` entry point, one
 * algorithm per file, grouped in families): an id, a family, documented parameters with defaults, and
 * `explain()` returning the raw attribution map as a {@link Tensor} plus a metadata record that makes
 * the run reproducible (method, every parameter with defaults filled in, seed, target, score tensor,
 * timing). The CAM, gradient and perturbation families all implement {@link ExplainMethod}; the CLI
 * and the studio only talk to this interface.
 */
import type { Lens } from '../lens.ts';
import type { Raster } from '../image/raster.ts';
import type { Tensor } from '../tensor.ts';
import type { ScoreTensor, Target, TargetSpec } from './target.ts';

/** Method families (Captum's grouping). */
export type MethodFamily = 'cam' | 'gradient' | 'perturbation';

/** Value types a parameter can take (what the CLI parses a flag into). */
export type ParamType = 'integer' | 'number' | 'boolean' | 'string' | 'enum' | 'integer[]' | 'number|string';

/** One documented parameter of a method. */
export interface ParamSpec {
  /** Name as used in the library and on the CLI (`--param name=value`). */
  readonly name: string;
  readonly type: ParamType;
  /** Default value (what the manifest records when the user gives none). */
  readonly default: unknown;
  /** One or two sentences: what it does, units, and where the default comes from. */
  readonly doc: string;
  /** Allowed values for `enum`, and the named values `number|string` and `integer[]` also accept (e.g. `'auto'`). */
  readonly choices?: readonly string[];
  /** Inclusive bounds for numbers. */
  readonly min?: number;
  readonly max?: number;
}

/** Everything a method needs besides its own parameters. */
export interface ExplainContext {
  /** The opened model. */
  readonly lens: Lens;
  /**
   * The model input: float32, in the model's layout (`lens.input.layout`), already preprocessed
   * (e.g. from `preprocessDetailed(raster, lens.preprocessSpec()).tensor`). Batch 1 for a single
   * image; N images give N maps (every item gets its own target, resolved per item).
   */
  readonly input: Tensor;
  /**
   * The image as fed to the model (same height and width as `input`), used where a method works on
   * pixels rather than on the tensor (superpixel segmentation). Default: recovered from `input` by
   * undoing the model's normalisation (`lens.preprocessSpec()`).
   */
  readonly image?: Raster;
  /** What to explain. Default `'top1'`. A `topk:N` spec explains the first of the N; use {@link Target}s from `resolveTarget` to loop. */
  readonly target?: TargetSpec | Target;
  /** Explain this tensor instead of the default score tensor (see `scoreTensor`). */
  readonly output?: string;
  /** Class names; default `lens.labels`. */
  readonly labels?: readonly string[];
  /** Seed for stochastic methods. Default 0 (runs are reproducible unless a seed is given). */
  readonly seed?: number;
  /**
   * Largest number of perturbed/noisy copies per runtime call for models with a dynamic batch axis
   * (a fixed batch axis wins). Default 64.
   */
  readonly batchSize?: number;
  /** Progress callback (forward passes or steps done, total). */
  readonly onProgress?: (done: number, total: number) => void;
}

/** How long a run took and how much work it did. */
export interface ExplainTiming {
  /** Wall time of `explain()`, milliseconds. */
  totalMs: number;
  /** Time spent inside the runtime (forward and backward runs), milliseconds. */
  runtimeMs: number;
  /** Samples pushed through the model (perturbed copies, noise draws, IG steps...), incl. the reference run. */
  samples: number;
  /** Runtime calls made. */
  runs: number;
}

/** The reproducible record of one explanation (the JSON manifest written beside the map). */
export interface ExplainMeta {
  /** Method id (`gradcam`, `ig`...). */
  method: string;
  /** Method family. */
  family: MethodFamily;
  /** Every parameter, defaults filled in. */
  params: Record<string, unknown>;
  /** Seed used (null for deterministic methods). */
  seed: number | null;
  /** The resolved target of the first item (JSON-friendly; see `describeTarget`); `extras.targets` lists all when N > 1. */
  target: Record<string, unknown>;
  /** The tensor explained and why it was picked. */
  score: ScoreTensor;
  /** Input shape and layout the map refers to. */
  input: {
    /** Shape of the tensor the map refers to (the preprocessed model input). */
    dims: number[];
    /** Layout of that tensor. */
    layout: 'NCHW' | 'NHWC';
  };
  /** Wall and runtime milliseconds, samples and runtime calls. */
  timing: ExplainTiming;
  /** Method-specific results (CAM target layers, superpixel count and top-k, fit R², efficiency delta...). */
  extras: Record<string, unknown>;
}

/** What `explain()` returns. */
export interface ExplainResult {
  /**
   * The raw (unnormalised, signed where the method is signed) attribution map, float32
   * `[N, 1, H, W]` (one map per batch item; `[N, 1, D, H, W]` for volumes) at the input's resolution.
   */
  map: Tensor<'float32'>;
  /**
   * Per-input-element attributions shaped like the input (Captum's `attribute()` output), for methods
   * whose attribution differs per channel (gradients, occlusion with a channel window). Absent when it
   * would just repeat `map` over the channels.
   */
  attribution?: Tensor<'float32'>;
  /** Method-specific arrays that do not fit the JSON manifest (e.g. the superpixel segmentation). */
  arrays?: Record<string, Tensor>;
  meta: ExplainMeta;
}

/**
 * One explanation method.
 *
 * @typeParam P the method's parameter object
 * @example
 * const res = await occlusion.explain({ lens, input }, { window: 16, stride: 8 });
 * res.map.dims;            // [1, 1, 64, 64]
 * res.meta.params;         // { window: 16, stride: 8, baseline: 0, ... } — defaults filled in
 */
export interface ExplainMethod<P extends object = Record<string, unknown>> {
  /** Stable CLI id (`occlusion`, `gradcam`...). */
  readonly id: string;
  readonly family: MethodFamily;
  /** Human title. */
  readonly title: string;
  /** Paper the method implements (authors, year, title, equation). */
  readonly citation: string;
  /** Whether the method draws random numbers (then `seed` matters and is recorded). */
  readonly stochastic: boolean;
  /** Whether it differentiates the model (compiles a backward graph); false: forward passes only. */
  readonly needsGradients: boolean;
  /** Documented parameters, in display order. */
  readonly params: readonly ParamSpec[];
  /** Computes the explanation; missing parameters take their defaults. */
  explain(ctx: ExplainContext, params?: Partial<P>): Promise<ExplainResult>;
}
