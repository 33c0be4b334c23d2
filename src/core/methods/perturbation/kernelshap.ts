/**
 * KernelSHAP — Lundberg & Lee, "A Unified Approach to Interpreting Model Predictions", NeurIPS 2017,
 * Theorem 2 (Shapley kernel), over superpixels:
 *
 * - players: M superpixels; a coalition z ∈ {0,1}^M keeps the superpixels with zₖ = 1 and replaces the
 *   others by the background (default the image's mean colour, or a blur);
 * - Shapley kernel π(z) = (M − 1) / (C(M, |z|) · |z| · (M − |z|));
 * - φ minimises Σ_z π(z) (f(z) − f(∅) − Σₖ zₖ φₖ)² subject to the efficiency constraint
 *   Σₖ φₖ = f(x) − f(∅) — the infinite weights of the all-on / all-off coalitions are imposed exactly
 *   by eliminating φ_M (as the reference `shap.KernelExplainer` does), so efficiency holds to rounding.
 *
 * Coalitions follow `shap.KernelExplainer`'s sampler: subset sizes are visited from the outside in
 * (1 and M−1, 2 and M−2, ...), a size whose expected share of `nSamples` covers all its subsets is
 * enumerated completely with its exact kernel weight, the rest are drawn at random by size (each with
 * its complement), repeated draws accumulate weight, and the random part's weights are rescaled to the
 * kernel mass left. With M ≤ 11 or so every coalition is enumerated and the result is the exact
 * Shapley value of the superpixel game. No L1 feature selection is applied.
 */
import { Rng } from '../random.ts';
import type { ExplainContext, ExplainMethod, ExplainResult, ParamSpec } from '../types.ts';
import { definePerturbationMethod, forwardMasked, startPerturbation } from './base.ts';
import { weightedRidge } from './linear-model.ts';
import { coalitionMask, finishSuperpixels, setupSuperpixels, superpixelParamSpecs } from './superpixel-base.ts';
import type { SuperpixelParams } from './superpixel-base.ts';

/** Parameters of {@link kernelShap}. */
export interface KernelShapParams extends SuperpixelParams {
  /** Coalitions evaluated (besides all-on and all-off); `'auto'` = 2M + 2048 like shap. Capped at 2^M − 2. */
  nSamples: number | 'auto';
}

export const KERNELSHAP_PARAMS: readonly ParamSpec[] = [
  { name: 'nSamples', type: 'number|string', default: 'auto', choices: ['auto'], min: 1, doc: "coalitions evaluated; auto = 2M + 2048 (shap's default), capped at 2^M - 2" },
  ...superpixelParamSpecs('mean', "background of switched-off superpixels: mean (the image's mean colour), blur, segment-mean, or a number in model-input units"),
];

function binom(n: number, k: number): number {
  let r = 1;
  for (let i = 1; i <= k; i++) r = (r * (n - k + i)) / i;
  return r;
}

/** Coalitions (rows of M bytes) with their kernel weights, following shap's KernelExplainer sampler. */
export function shapCoalitions(M: number, nSamples: number, rng: Rng): { masks: Uint8Array[]; weights: number[] } {
  const masks: Uint8Array[] = [];
  const weights: number[] = [];
  if (M < 2) return { masks, weights };
  const maxSamples = M <= 30 ? 2 ** M - 2 : Infinity;
  const total = Math.min(nSamples, maxSamples);
  const numSizes = Math.ceil((M - 1) / 2);
  const numPaired = Math.floor((M - 1) / 2);
  const wv = Array.from({ length: numSizes }, (_, i) => (M - 1) / ((i + 1) * (M - i - 1)));
  for (let i = 0; i < numPaired; i++) wv[i]! *= 2;
  const wsum = wv.reduce((a, b) => a + b, 0);
  for (let i = 0; i < numSizes; i++) wv[i]! /= wsum;

  let numFull = 0;
  let left = total;
  const remaining = [...wv];
  const add = (m: Uint8Array, w: number): void => { masks.push(m); weights.push(w); };
  for (let size = 1; size <= numSizes; size++) {
    let nsub = binom(M, size);
    const paired = size <= numPaired;
    if (paired) nsub *= 2;
    if ((left * remaining[size - 1]!) / nsub >= 1 - 1e-8) {
      numFull++;
      left -= nsub;
      if (remaining[size - 1]! < 1) {
        const r = 1 - remaining[size - 1]!;
        for (let i = 0; i < remaining.length; i++) remaining[i]! /= r;
      }
      let w = wv[size - 1]! / binom(M, size);
      if (paired) w /= 2;
      // Every subset of this size (lexicographic), plus its complement when paired.
      const idx = Array.from({ length: size }, (_, i) => i);
      for (;;) {
        const m = new Uint8Array(M);
        for (const j of idx) m[j] = 1;
        add(m, w);
        if (paired) add(m.map((v) => 1 - v), w);
        let t = size - 1;
        while (t >= 0 && idx[t] === M - size + t) t--;
        if (t < 0) break;
        idx[t]!++;
        for (let u = t + 1; u < size; u++) idx[u] = idx[u - 1]! + 1;
      }
    } else {
      break;
    }
  }
  const nFixed = masks.length;
  let samplesLeft = total - nFixed;
  if (numFull !== numSizes && samplesLeft > 0) {
    const rw = [...wv];
    for (let i = 0; i < numPaired; i++) rw[i]! /= 2;
    const tail = rw.slice(numFull);
    const ts = tail.reduce((a, b) => a + b, 0);
    const cdf: number[] = [];
    let acc = 0;
    for (const v of tail) cdf.push((acc += v / ts));
    const seen = new Map<string, number>();
    const perm = new Int32Array(M);
    const addRandom = (m: Uint8Array): void => {
      const key = m.join('');
      const at = seen.get(key);
      if (at !== undefined) weights[at]! += 1;
      else { seen.set(key, masks.length); add(m, 1); samplesLeft--; }
    };
    for (let draws = 0, maxDraws = 4 * samplesLeft; samplesLeft > 0 && draws < maxDraws; draws++) {
      const u = rng.uniform();
      let ind = 0;
      while (ind < cdf.length - 1 && u >= cdf[ind]!) ind++;
      const size = ind + numFull + 1;
      rng.permutation(perm);
      const m = new Uint8Array(M);
      for (let j = 0; j < size; j++) m[perm[j]!] = 1;
      addRandom(m);
      if (samplesLeft > 0 && size <= numPaired) addRandom(m.map((v) => 1 - v));
    }
    const weightLeft = wv.slice(numFull).reduce((a, b) => a + b, 0);
    let s = 0;
    for (let i = nFixed; i < weights.length; i++) s += weights[i]!;
    if (s > 0) for (let i = nFixed; i < weights.length; i++) weights[i]! *= weightLeft / s;
  }
  return { masks, weights };
}

async function explainOne(ctx: ExplainContext, params: KernelShapParams): Promise<ExplainResult> {
  const run = await startPerturbation(ctx);
  const sp = setupSuperpixels(run, params);
  const M = sp.seg.count;
  const nSamples = params.nSamples === 'auto' ? 2 * M + 2048 : Math.floor(params.nSamples);
  const { masks, weights } = shapCoalitions(M, nSamples, new Rng(run.seed));
  const empty = new Uint8Array(M);
  // Copy 0 is the all-off coalition (f(∅)); copies 1.. are the sampled coalitions.
  const y = await forwardMasked(run, sp.off, masks.length + 1, (mask, i) => coalitionMask(mask, i === 0 ? empty : masks[i - 1]!, sp.seg));
  const f0 = y[0]!;
  const fx = run.fx;
  const total = fx - f0;
  const phi = new Float64Array(M);
  let jitter = 0;
  if (M === 1) phi[0] = total;
  else if (M > 1) {
    // Eliminate φ_M with the constraint: y − f0 − z_M·(fx − f0) = Σ_{k<M} (z_k − z_M) φ_k.
    const n = masks.length, m = M - 1;
    const X = new Float64Array(n * m), t = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      const z = masks[i]!;
      const zM = z[M - 1]!;
      for (let k = 0; k < m; k++) X[i * m + k] = z[k]! - zM;
      t[i] = y[i + 1]! - f0 - zM * total;
    }
    const fit = weightedRidge(X, t, weights, n, m, { alpha: 0, fitIntercept: false });
    jitter = fit.jitter;
    let s = 0;
    for (let k = 0; k < m; k++) { phi[k] = fit.coef[k]!; s += phi[k]!; }
    phi[M - 1] = total - s;
  }
  let sum = 0;
  for (let k = 0; k < M; k++) sum += phi[k]!;
  return finishSuperpixels(run, kernelShap, { ...params, nSamples, blurSigma: sp.blurSigma }, sp, phi, {
    coalitions: masks.length,
    shapleyValues: Array.from(phi),
    fBaseline: f0,
    efficiencyDelta: sum - total,
    jitter,
  });
}

/**
 * KernelSHAP over superpixels (Lundberg & Lee 2017); Σφ = f(x) − f(background).
 * @example
 * const res = await kernelShap.explain({ lens, input }, { nSegments: 50, baseline: 'blur' });
 * res.meta.extras.efficiencyDelta; // ≈ 0
 */
export const kernelShap: ExplainMethod<KernelShapParams> = definePerturbationMethod<KernelShapParams>({
  id: 'kernelshap',
  title: 'KernelSHAP',
  citation: 'Lundberg & Lee, "A Unified Approach to Interpreting Model Predictions", NeurIPS 2017, Theorem 2 (Shapley kernel)',
  stochastic: true,
  params: KERNELSHAP_PARAMS,
  explainOne,
});
