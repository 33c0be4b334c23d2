/**
 * `ig`: Integrated Gradients (Sundararajan, Taly & Yan 2017, "Axiomatic Attribution for Deep Networks",
 * eq. 1: IG_i(x) = (x_i − x'_i) · ∫₀¹ ∂F(x' + α(x − x'))/∂x_i dα, approximated as in §5 / eq. 3 by a
 * quadrature Σ_k w_k ∂F(x' + α_k(x − x'))/∂x_i — with Captum's rules and defaults (`gausslegendre`,
 * 50 steps; see approximation.ts). All path points of all images go through one compiled graph in
 * batches (50 steps at the default batch size is one runtime call).
 *
 * Completeness (Proposition 1: Σ_i IG_i(x) = F(x) − F(x')) is checked on every run: the manifest reports
 * Captum's convergence delta δ = Σ attr − (F(x) − F(x')) per image and |δ| / |F(x) − F(x')|. F(x) is the
 * target score of the unperturbed input; F(x') comes from the path point α = 0 when the rule has one,
 * otherwise from one extra forward-only row in the same batch.
 *
 * Baselines x' (in model-input units, i.e. after normalisation — as in Captum): `zeros`, a constant,
 * `mean` and `blur` (the shared baselines of ../baseline.ts; blur as in Sturmfels, Lundberg & Lee 2020,
 * "Visualizing the Impact of Feature Attribution Baselines"), `uniform` (U(min x, max x) per element,
 * seeded; same paper), or a custom tensor (library: pass a Tensor; CLI: a .npy file).
 */
import { ConvlensError, ErrorCodes } from '../../errors.ts';
import { sizeOf } from '../../tensor.ts';
import type { Tensor } from '../../tensor.ts';
import { defaultBlurSigma, makeBaseline } from '../baseline.ts';
import { imageTensor } from '../input.ts';
import { Rng } from '../random.ts';
import { APPROXIMATION_METHODS, quadrature } from './approximation.ts';
import type { ApproximationMethod } from './approximation.ts';
import { defineGradientMethod, elementIndex } from './base.ts';
import type { GradientPipeline } from './base.ts';

/** Named baselines. */
export const IG_BASELINES = ['zeros', 'mean', 'blur', 'uniform'] as const;
export type IgBaselineName = (typeof IG_BASELINES)[number];

export interface IntegratedGradientsParams {
  /** Quadrature points along the path. Default 50 (Captum's `n_steps`). */
  steps: number;
  /** Quadrature rule. Default `gausslegendre` (Captum's default). */
  method: ApproximationMethod;
  /**
   * `zeros` (default), `mean` (the image's mean colour), `blur`, `uniform`, a number (constant baseline),
   * or — in the library — a Tensor shaped like one input item (`[1, ...]`) or like the whole input.
   */
  baseline: IgBaselineName | number | Tensor;
  /** σ in pixels of the `blur` baseline's Gaussian; `auto` (default) = min(H, W) / 8, as for every method. */
  blurSigma: number | 'auto';
}

/** The baseline of every item (items × itemSize, input layout) and the blur σ used (px), if any. */
function buildBaselines(p: GradientPipeline, params: IntegratedGradientsParams, seed: number): { data: Float32Array; blurSigma?: number } {
  const g = p.geometry;
  const out = new Float32Array(g.items * g.itemSize);
  const b0 = params.baseline;
  if (typeof b0 === 'object') {
    const n = sizeOf(b0.dims);
    if (b0.dtype !== 'float32' && b0.dtype !== 'float64') {
      throw new ConvlensError(ErrorCodes.BAD_USAGE, `ig: the baseline tensor must be float32 or float64, got ${b0.dtype}`);
    }
    const data = b0.data as Float32Array | Float64Array;
    if (n === g.itemSize) for (let b = 0; b < g.items; b++) out.set(data, b * g.itemSize);
    else if (n === out.length) out.set(data);
    else {
      throw new ConvlensError(ErrorCodes.INPUT_SHAPE, `ig: baseline of shape [${b0.dims.join(', ')}] does not fit the input [${g.dims.join(', ')}]`, {
        hint: `give a baseline shaped [1, ${g.dims.slice(1).join(', ')}] (one image, in the model's input layout and normalisation) or [${g.dims.join(', ')}]`,
      });
    }
    return { data: out };
  }
  if (b0 === 'uniform') {
    // U(min x, max x) per element and image (Sturmfels et al. 2020)
    const rng = new Rng(seed);
    for (let b = 0; b < g.items; b++) {
      const x = p.item(b);
      let lo = Infinity, hi = -Infinity;
      for (let i = 0; i < x.length; i++) { const v = x[i]!; if (v < lo) lo = v; if (v > hi) hi = v; }
      for (let c = 0; c < g.channels; c++) {
        for (let q = 0; q < g.plane; q++) out[b * g.itemSize + elementIndex(g, c, q)] = lo + (hi - lo) * rng.uniform();
      }
    }
    return { data: out };
  }
  if (b0 === 'zeros' || b0 === 0) return { data: out };
  if (typeof b0 === 'number') return { data: out.fill(b0) };
  // 'mean' / 'blur': the shared baselines of the explanation methods (one image at a time)
  let blurSigma: number | undefined;
  for (let b = 0; b < g.items; b++) {
    const img = imageTensor({ dtype: 'float32', dims: [1, ...g.dims.slice(1)], data: p.item(b) }, g.layout, `input of ${p.lens.source}`);
    if (b0 === 'blur') blurSigma = params.blurSigma === 'auto' ? defaultBlurSigma(img.H, img.W) : params.blurSigma;
    out.set(makeBaseline(b0, img, { blurSigma }), b * g.itemSize);
  }
  return { data: out, blurSigma };
}

/** `out = base + a·(x − base)`: one point of the straight path (a small function, so the JIT optimizes it). */
function lerpInto(out: Float32Array, base: Float32Array, x: Float32Array, a: number): void {
  for (let i = 0; i < out.length; i++) out[i] = base[i]! + a * (x[i]! - base[i]!);
}

/** `acc[at + i] += w · g[i]` (the quadrature sum, in float64). */
function addScaled(acc: Float64Array, at: number, w: number, g: Float32Array): void {
  for (let i = 0; i < g.length; i++) acc[at + i]! += w * g[i]!;
}

export const integratedGradients = defineGradientMethod<IntegratedGradientsParams>({
  id: 'ig',
  title: 'Integrated Gradients',
  citation: 'Sundararajan, Taly & Yan 2017, "Axiomatic Attribution for Deep Networks", eq. 1 (IG_i = (x_i − x\'_i)·∫₀¹ ∂F(x\' + α(x − x\'))/∂x_i dα) and eq. 3 (Riemann approximation); Gauss–Legendre as in Captum',
  stochastic: false,
  params: [
    { name: 'steps', type: 'integer', default: 50, min: 1, max: 100000, doc: 'quadrature points along the straight path from the baseline to the input (Captum n_steps)' },
    { name: 'method', type: 'enum', default: 'gausslegendre', choices: APPROXIMATION_METHODS, doc: 'quadrature rule, as Captum approximation_methods (riemann_* need steps ≥ 2)' },
    { name: 'baseline', type: 'number|string', default: 'zeros', choices: IG_BASELINES, doc: 'the reference input x\' in model-input units: zeros, mean (image mean colour), blur (Gaussian-blurred input), uniform (U(min x, max x), seeded), a constant, or a custom tensor (.npy on the CLI)' },
    { name: 'blurSigma', type: 'number|string', default: 'auto', choices: ['auto'], min: 0, doc: "σ in pixels of the 'blur' baseline; auto = min(H, W) / 8" },
  ],
  tensorParams: ['baseline'],
  async compute(p, params, ctx) {
    const g = p.geometry;
    const { alphas, weights } = quadrature(params.method, params.steps);
    const steps = alphas.length;
    const seed = ctx.seed ?? 0;
    const built = buildBaselines(p, params, seed);
    const base = built.data;
    const zeroAt = alphas.findIndex((a) => a === 0);
    const count = zeroAt >= 0 ? steps : steps + 1; // extra forward-only row for F(baseline)
    const total = new Float64Array(g.items * g.itemSize);
    const fBase = new Float64Array(g.items);
    await p.run({
      count,
      fill(b, k, out) {
        const x = p.item(b);
        const bl = base.subarray(b * g.itemSize, (b + 1) * g.itemSize);
        lerpInto(out, bl, x, k < steps ? alphas[k]! : 0);
      },
      weight: (_b, k) => (k < steps ? 1 : 0),
      consume(b, k, grad, score) {
        if (k === (zeroAt >= 0 ? zeroAt : steps)) fBase[b] = score;
        if (k >= steps) return;
        addScaled(total, b * g.itemSize, weights[k]!, grad);
      },
    });
    const attribution = new Float32Array(total.length);
    const delta: number[] = [], relativeDelta: number[] = [], fx: number[] = [], sums: number[] = [];
    for (let b = 0; b < g.items; b++) {
      const x = p.item(b);
      let s = 0;
      for (let i = 0; i < g.itemSize; i++) {
        const j = b * g.itemSize + i;
        const v = total[j]! * (x[i]! - base[j]!);
        attribution[j] = v;
        s += v;
      }
      const f = p.targets[b]!.score;
      const diff = f - fBase[b]!;
      fx.push(f); sums.push(s);
      delta.push(s - diff);
      relativeDelta.push(Math.abs(s - diff) / Math.max(Math.abs(diff), 1e-12));
    }
    const baselineName = typeof params.baseline === 'object' ? 'custom' : params.baseline;
    return {
      attribution,
      reduction: 'sum',
      arrays: { baseline: { dtype: 'float32', dims: [...g.dims], data: base } },
      extras: {
        baseline: baselineName,
        alphas: [...alphas],
        weights: [...weights],
        fx,
        fBaseline: [...fBase],
        attributionSum: sums,
        delta,
        relativeDelta,
      },
      usedSeed: params.baseline === 'uniform',
      ...(built.blurSigma !== undefined ? { paramsRecord: { blurSigma: built.blurSigma } } : {}),
    };
  },
});
