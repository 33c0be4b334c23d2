/**
 * LIME — Ribeiro, Singh & Guestrin, "'Why Should I Trust You?': Explaining the Predictions of Any
 * Classifier", KDD 2016, Eq. 1 with a weighted linear surrogate (§3.3–3.4), as the reference
 * `lime_image.LimeImageExplainer` does it:
 *
 * - interpretable features: M superpixels of the input picture (SLIC here; lime uses quickshift);
 * - `numSamples` coalitions z ∈ {0,1}^M, the first all-on, the rest uniform random bits; switched-off
 *   superpixels take the baseline — by default the image's mean colour. lime's own default
 *   (`hide_color=None`: each superpixel filled with its own mean colour, `baseline: 'segment-mean'`)
 *   hides nothing inside a uniformly coloured region, so the object itself gets no weight: on the
 *   shapes evaluation set its peak falls in the object for 29/60 images against 53/60 with the mean
 *   colour;
 * - proximity π(z) = √exp(−d(z, 1)² / σ²) with d the cosine distance to the all-on vector and
 *   σ = `kernelWidth` (lime's image default 0.25);
 * - ridge regression (α = 1, intercept) of the target score on z with weights π — scikit-learn
 *   `Ridge` semantics, solved exactly — gives one weight per superpixel; the weighted R² of that fit
 *   is reported as lime's `score`.
 */
import { Rng } from '../random.ts';
import type { ExplainContext, ExplainMethod, ExplainResult, ParamSpec } from '../types.ts';
import { definePerturbationMethod, forwardMasked, startPerturbation } from './base.ts';
import { weightedRidge } from './linear-model.ts';
import { coalitionMask, finishSuperpixels, setupSuperpixels, superpixelParamSpecs } from './superpixel-base.ts';
import type { SuperpixelParams } from './superpixel-base.ts';

/** Parameters of {@link lime}. */
export interface LimeParams extends SuperpixelParams {
  /** Coalitions sampled, the all-on one included. */
  numSamples: number;
  /** Width σ of the exponential kernel on cosine distance. */
  kernelWidth: number;
  /** Ridge penalty α. */
  alpha: number;
}

export const LIME_PARAMS: readonly ParamSpec[] = [
  { name: 'numSamples', type: 'integer', default: 1000, min: 2, doc: "coalitions sampled, the all-on one included (lime's default 1000)" },
  { name: 'kernelWidth', type: 'number', default: 0.25, min: 1e-9, doc: "width of the exponential kernel on cosine distance (lime_image's default 0.25)" },
  { name: 'alpha', type: 'number', default: 1, min: 0, doc: "ridge penalty of the surrogate (lime's Ridge(alpha=1))" },
  ...superpixelParamSpecs('mean', "what switched-off superpixels become: mean (the image's mean colour), segment-mean (each superpixel's own mean: lime's hide_color=None), blur, or a number in model-input units"),
];

async function explainOne(ctx: ExplainContext, params: LimeParams): Promise<ExplainResult> {
  const run = await startPerturbation(ctx);
  const sp = setupSuperpixels(run, params);
  const M = sp.seg.count;
  const n = params.numSamples;
  const rng = new Rng(run.seed);
  const Z = new Float64Array(n * M);
  Z.fill(1, 0, M);
  for (let i = 1; i < n; i++) for (let k = 0; k < M; k++) Z[i * M + k] = rng.uint32() >>> 31;
  const y = await forwardMasked(run, sp.off, n, (mask, i) => coalitionMask(mask, Z.subarray(i * M, (i + 1) * M), sp.seg));
  // Cosine distance to the all-on vector: 1 − |z|/(√|z| √M) = 1 − √(|z|/M) (1 for the empty coalition).
  const w = new Float64Array(n);
  const kw2 = params.kernelWidth * params.kernelWidth;
  for (let i = 0; i < n; i++) {
    let on = 0;
    for (let k = 0; k < M; k++) on += Z[i * M + k]!;
    const d = on === 0 ? 1 : 1 - Math.sqrt(on / M);
    w[i] = Math.sqrt(Math.exp(-(d * d) / kw2));
  }
  const fit = weightedRidge(Z, y, w, n, M, { alpha: params.alpha });
  let local = fit.intercept;
  for (let k = 0; k < M; k++) local += fit.coef[k]!;
  return finishSuperpixels(run, lime, { ...params, blurSigma: sp.blurSigma }, sp, fit.coef, {
    weights: Array.from(fit.coef),
    intercept: fit.intercept,
    r2: fit.r2,
    localPrediction: local,
  });
}

/**
 * LIME over superpixels (Ribeiro et al. 2016).
 * @example
 * const res = await lime.explain({ lens, input, seed: 0 }, { numSamples: 1000, nSegments: 50 });
 * res.meta.extras.topSuperpixels; // [{ segment, weight, pixels }, ...]
 */
export const lime: ExplainMethod<LimeParams> = definePerturbationMethod<LimeParams>({
  id: 'lime',
  title: 'LIME',
  citation: 'Ribeiro, Singh & Guestrin, "\'Why Should I Trust You?\': Explaining the Predictions of Any Classifier", KDD 2016, Eq. 1, §3.3-3.4',
  stochastic: true,
  params: LIME_PARAMS,
  explainOne,
});
