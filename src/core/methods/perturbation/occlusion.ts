/**
 * Occlusion — Zeiler & Fergus, "Visualizing and Understanding Convolutional Networks", ECCV 2014,
 * §4.2, with Captum's `Occlusion` semantics (captum/attr/_core/occlusion.py over FeatureAblation):
 *
 * - a window of shape (c, h, w) (channel-first, whatever the input layout) slides with strides
 *   (sc, sh, sw); along each axis of size D it takes ⌈(D − w)/s⌉ + 1 positions 0, s, 2s, ... — the first
 *   corner at 0, and the last window cut off at the border when it does not fit;
 * - each window position k replaces the covered elements with the baseline: x̃ₖ = x ⊙ (1 − Mₖ) + b ⊙ Mₖ;
 * - attribution of element i = Σₖ Mₖ[i] (f(x) − f(x̃ₖ)) / Σₖ Mₖ[i] — the output drop averaged over the
 *   windows covering it.
 *
 * `map` is the per-pixel attribution (the mean over channels, which equals every channel when the
 * window spans all channels — the default); `attribution` (Captum's input-shaped output) is also
 * returned when the window spans fewer channels than the input has.
 *
 * Incremental inference (Krypton, Nakandala et al., SIGMOD 2019; `incremental/`): when the planner
 * finds a cut tensor T that every path from the input to the score passes through, with exactly known
 * coordinate maps before it, each occluded copy runs the network up to T only on a crop around the
 * window (its receptive-field halo included) and the rest from T(x) with the window's footprint pasted
 * in — the same scores up to float rounding, for a fraction of the MACs. On by default when it is
 * predicted to save ≥ 10% of the forward; the record's `extras.incremental` says whether it was used,
 * where it cut and why not.
 */
import { ConvlensError, ErrorCodes, isConvlensError } from '../../errors.ts';
import { defaultBlurSigma, makeBaseline } from '../baseline.ts';
import type { ExplainContext, ExplainMethod, ExplainResult, ParamSpec } from '../types.ts';
import { definePerturbationMethod, finish, forwardMasked, startPerturbation } from './base.ts';
import { describePlan, incrementalOcclusionScores, planForRun } from './incremental/execute.ts';
import type { PlanOptions } from './incremental/plan.ts';

/** Parameters of {@link occlusion}. */
export interface OcclusionParams {
  /**
   * Window: `k` (k×k over all channels), `[h, w]`, or `[c, h, w]` (channel-first), clipped to the
   * input; `'auto'` = k×k with k = round(min(H, W) / 12) (5 at 64², 19 at 224²).
   */
  window: 'auto' | number | number[];
  /**
   * Strides, same forms as `window`; each must be ≤ the window along axes the window does not span.
   * `'auto'` = half the window, rounded up.
   */
  stride: 'auto' | number | number[];
  /** Replacement value: a number in model-input units, `'mean'` (the image's mean colour) or `'blur'`. */
  baseline: number | 'mean' | 'blur';
  /** σ in pixels of the `'blur'` baseline; `'auto'` = min(H, W) / 8. */
  blurSigma: number | 'auto';
  /**
   * Incremental inference: `'auto'` (default) computes the network up to a cut tensor only on a crop
   * around each window and the rest from the cached activations of x, when the graph allows it exactly
   * (NCHW, dynamic batch, windows over all channels, known ops before the cut) and it is predicted to
   * save ≥ 10% of the MACs; otherwise, and with `'off'`, every occluded copy runs the whole model.
   * Either way the result has the same definition; `meta.extras.incremental` records the choice.
   */
  incremental: 'auto' | 'off';
}

export const OCCLUSION_PARAMS: readonly ParamSpec[] = [
  { name: 'window', type: 'integer[]', default: 'auto', choices: ['auto'], min: 1, doc: 'sliding window: k (k×k, all channels), h,w, or c,h,w, clipped to the input; auto = round(min(H, W) / 12)' },
  { name: 'stride', type: 'integer[]', default: 'auto', choices: ['auto'], min: 1, doc: 'step of the window, same forms as window (Captum requires stride ≤ window); auto = ceil(window / 2)' },
  { name: 'baseline', type: 'number|string', default: 0, choices: ['mean', 'blur'], doc: "value pasted into the window: a number in model-input units (Captum's default 0), 'mean' (image mean colour) or 'blur'" },
  { name: 'blurSigma', type: 'number|string', default: 'auto', choices: ['auto'], min: 0, doc: "σ in pixels of the 'blur' baseline; auto = min(H, W) / 8" },
  {
    name: 'incremental', type: 'enum', default: 'auto', choices: ['auto', 'off'],
    doc: "auto: run the network up to a cut layer only on a crop around each window and the rest from x's cached activations (Krypton-style incremental inference; exact, used when the graph allows it and it saves ≥ 10% of the MACs; the record says where it cut); off: full forward per window",
  },
];

/** The `'auto'` window side: round(min(H, W) / 12), at least 1. */
export function autoWindow(H: number, W: number): number {
  return Math.max(1, Math.round(Math.min(H, W) / 12));
}

/** Expands a window/stride given as k, [h, w] or [c, h, w] to channel-first [c, h, w]. */
function expand(v: number | readonly number[], C: number, what: string): [number, number, number] {
  const a = typeof v === 'number' ? [v] : v;
  if (a.length === 1) return [C, a[0]!, a[0]!];
  if (a.length === 2) return [C, a[0]!, a[1]!];
  if (a.length === 3) return [a[0]!, a[1]!, a[2]!];
  throw new ConvlensError(ErrorCodes.BAD_USAGE, `occlusion: ${what} must be k, h,w or c,h,w; got ${a.join(',')}`);
}

/** Internal knobs of {@link explainOccluded} (tests force a cut or the cost threshold). */
export interface OcclusionInternals {
  plan?: PlanOptions;
}

async function explainOne(ctx: ExplainContext, params: OcclusionParams): Promise<ExplainResult> {
  return explainOccluded(ctx, params);
}

/** One image's occlusion, with internal knobs (the method's `explainOne`; exported for tests). */
export async function explainOccluded(ctx: ExplainContext, params: OcclusionParams, internals: OcclusionInternals = {}): Promise<ExplainResult> {
  const run = await startPerturbation(ctx);
  const { img } = run;
  const { C, H, W, cStride, pStride } = img;
  const dimsCHW = [C, H, W];
  const win = expand(params.window === 'auto' ? autoWindow(H, W) : params.window, C, 'window').map((w, i) => Math.min(w, dimsCHW[i]!)) as [number, number, number];
  const stride = params.stride === 'auto' ? win.map((w, i) => (i === 0 ? w : Math.ceil(w / 2))) as [number, number, number] : expand(params.stride, C, 'stride');
  const counts = [0, 0, 0];
  for (let a = 0; a < 3; a++) {
    const room = dimsCHW[a]! - win[a]!;
    if (room > 0 && stride[a]! > win[a]!) {
      throw new ConvlensError(ErrorCodes.BAD_USAGE, `occlusion: stride ${stride[a]} exceeds window ${win[a]} along ${['channels', 'height', 'width'][a]}; some pixels would never be occluded`, {
        hint: `use a stride ≤ ${win[a]}`,
      });
    }
    counts[a] = Math.ceil(room / stride[a]!) + 1;
  }
  const blurSigma = params.blurSigma === 'auto' ? defaultBlurSigma(H, W) : params.blurSigma;
  const base = makeBaseline(params.baseline, img, { blurSigma });
  const [nc, nh, nw] = counts as [number, number, number];
  const total = nc * nh * nw;
  const spansChannels = win[0] >= C;
  // Window k → start corner (Captum numbers windows with the first axis fastest; the order does not
  // change the result).
  const corner = (k: number): [number, number, number] => [(k % nc) * stride[0]!, (Math.floor(k / nc) % nh) * stride[1]!, Math.floor(k / (nc * nh)) * stride[2]!];
  // Keep-mask of window k: 1 everywhere but the window. A window over all channels needs one mask
  // value per pixel; narrower windows need one per element (input layout).
  const fillMask = (mask: Float32Array, k: number): void => {
    mask.fill(1);
    const [c0, y0, x0] = corner(k);
    const c1 = Math.min(C, c0 + win[0]), y1 = Math.min(H, y0 + win[1]), x1 = Math.min(W, x0 + win[2]);
    if (spansChannels) {
      for (let y = y0; y < y1; y++) mask.fill(0, y * W + x0, y * W + x1);
      return;
    }
    for (let c = c0; c < c1; c++) {
      for (let y = y0; y < y1; y++) {
        let o = c * cStride + (y * W + x0) * pStride;
        for (let xx = x0; xx < x1; xx++, o += pStride) mask[o] = 0;
      }
    }
  };
  let scores: Float64Array | undefined;
  let incremental: Record<string, unknown>;
  if (params.incremental === 'off') {
    incremental = { used: false, reason: "incremental: 'off'" };
  } else {
    const grid = { H, W, win: [win[1], win[2]] as [number, number], stride: [stride[1], stride[2]] as [number, number], counts: [nh, nw] as [number, number] };
    const plan = await planForRun(run, grid, spansChannels, internals.plan);
    if ('refused' in plan) {
      incremental = { used: false, reason: plan.refused };
    } else {
      try {
        scores = await incrementalOcclusionScores(run, plan, base, grid.win, grid.stride, total);
        incremental = describePlan(ctx.lens, plan);
      } catch (e) {
        // The runtime disagreed with the plan (sizes), or rejected or could not split the model: the full method.
        if (!(isConvlensError(e) && (e.code === ErrorCodes.RUNTIME || e.code === ErrorCodes.INVALID_GRAPH))) throw e;
        incremental = { used: false, reason: `fell back to full forwards after an error: ${e.message}` };
      }
    }
  }
  scores ??= await forwardMasked(run, base, total, fillMask, undefined, { channels: spansChannels ? 1 : C });
  // Accumulate Σ diff and Σ coverage per (c, y, x), channel-first.
  const sum = new Float64Array(C * H * W), cover = new Float64Array(C * H * W);
  for (let k = 0; k < total; k++) {
    const d = run.fx - scores[k]!;
    const [c0, y0, x0] = corner(k);
    const c1 = Math.min(C, c0 + win[0]), y1 = Math.min(H, y0 + win[1]), x1 = Math.min(W, x0 + win[2]);
    for (let c = c0; c < c1; c++) {
      for (let y = y0; y < y1; y++) {
        const o = (c * H + y) * W;
        for (let xx = x0; xx < x1; xx++) { sum[o + xx]! += d; cover[o + xx]! += 1; }
      }
    }
  }
  const attr = new Float32Array(C * H * W);
  const map = new Float32Array(H * W);
  for (let c = 0; c < C; c++) {
    for (let p = 0; p < H * W; p++) {
      const v = sum[c * H * W + p]! / cover[c * H * W + p]!;
      attr[c * cStride + p * pStride] = v;
      map[p]! += v / C;
    }
  }
  return finish(run, occlusion, { ...params, window: win, stride, blurSigma }, map, { windows: total, windowCounts: counts, incremental }, spansChannels ? {} : { attribution: { dtype: 'float32', dims: [...img.dims], data: attr } });
}

/**
 * Occlusion sensitivity (Zeiler & Fergus 2014) with Captum's definition.
 * @example
 * const { map } = await occlusion.explain({ lens, input }, { window: 16, stride: 8, baseline: 0 });
 */
export const occlusion: ExplainMethod<OcclusionParams> = definePerturbationMethod<OcclusionParams>({
  id: 'occlusion',
  title: 'Occlusion',
  citation: 'Zeiler & Fergus, "Visualizing and Understanding Convolutional Networks", ECCV 2014, §4.2; Captum Occlusion semantics',
  stochastic: false,
  params: OCCLUSION_PARAMS,
  explainOne,
});
