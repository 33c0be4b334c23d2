/**
 * `smoothgrad`: SmoothGrad (Smilkov, Thorat, Kim, Viégas & Wattenberg 2017, "SmoothGrad: removing noise by
 * adding noise", eq. 4: M̂_c(x) = 1/n Σ_{i=1..n} M_c(x + N(0, σ²))), with σ given — as in the paper, §3 —
 * as a fraction of the input's range, σ = sigma · (x_max − x_min) per image. Variants as Captum's
 * `NoiseTunnel` defines them: `smoothgrad` (mean of the sample attributions), `smoothgrad_sq` (mean of
 * their squares) and `vargrad` (their variance, E[a²] − E[a]², Adebayo et al. 2018). The inner attribution
 * is the raw gradient (the paper), |gradient| (Captum's default `Saliency`) or gradient × noisy input.
 *
 * All n noisy copies of all items go through one compiled graph in batches (n = 50 at the default batch
 * size is one runtime call); the noise is drawn from the seeded generator (`ctx.seed`, in channel-major
 * order whatever the input layout), or given explicitly as unit-variance draws (`noise`, in the input's
 * layout) to reproduce a reference.
 */
import { ConvlensError, ErrorCodes } from '../../errors.ts';
import { sizeOf } from '../../tensor.ts';
import type { Tensor } from '../../tensor.ts';
import { Rng } from '../random.ts';
import { defineGradientMethod, elementIndex } from './base.ts';
import type { ChannelReduction } from './base.ts';

/** Noise-tunnel variants (Captum's `nt_type`). */
export const SMOOTHGRAD_VARIANTS = ['smoothgrad', 'smoothgrad_sq', 'vargrad'] as const;
export type SmoothGradVariant = (typeof SMOOTHGRAD_VARIANTS)[number];

/** Attributions that can be smoothed. */
export const SMOOTHGRAD_INNER = ['gradient', 'saliency', 'gradxinput'] as const;
export type SmoothGradInner = (typeof SMOOTHGRAD_INNER)[number];

export interface SmoothGradParams {
  /** Noisy copies per image. Default 50 (the paper's n). */
  n: number;
  /** Noise standard deviation as a fraction of the image's value range (max − min). Default 0.15. */
  sigma: number;
  /** `smoothgrad` (default), `smoothgrad_sq` or `vargrad`. */
  variant: SmoothGradVariant;
  /** Attribution averaged over the noisy copies: `gradient` (default), `saliency` (|gradient|) or `gradxinput`. */
  attribution: SmoothGradInner;
  /**
   * Library only: explicit unit-variance noise ε instead of seeded draws, shape `[n, ...item dims]`
   * (the same draws for every image) or `[N·n, ...item dims]` (image-major). Copy i is x + sigma·range·ε_i.
   * @example { n: 4, noise: parseNpy(bytes) } // to reproduce a PyTorch reference
   */
  noise?: Tensor;
}

export const smoothgrad = defineGradientMethod<SmoothGradParams>({
  id: 'smoothgrad',
  title: 'SmoothGrad',
  citation: 'Smilkov, Thorat, Kim, Viégas & Wattenberg 2017, "SmoothGrad: removing noise by adding noise", eq. 4 (M̂_c(x) = 1/n Σ M_c(x + N(0, σ²)), σ as a fraction of x_max − x_min); smoothgrad_sq / vargrad as in Captum NoiseTunnel (Adebayo et al. 2018)',
  stochastic: true,
  params: [
    { name: 'n', type: 'integer', default: 50, min: 1, max: 100000, doc: 'noisy copies per image (the paper uses 50)' },
    { name: 'sigma', type: 'number', default: 0.15, min: 0, max: 10, doc: 'noise standard deviation as a fraction of the input range max − min (the paper recommends 0.1–0.2)' },
    { name: 'variant', type: 'enum', default: 'smoothgrad', choices: SMOOTHGRAD_VARIANTS, doc: 'mean of the attributions (smoothgrad), of their squares (smoothgrad_sq) or their variance (vargrad), as Captum NoiseTunnel' },
    { name: 'attribution', type: 'enum', default: 'gradient', choices: SMOOTHGRAD_INNER, doc: 'what is averaged: the signed gradient (the paper), its absolute value (Captum Saliency) or gradient × noisy input' },
  ],
  tensorParams: ['noise'],
  async compute(p, params, ctx) {
    const g = p.geometry;
    const n = params.n;
    const noise = params.noise;
    if (noise) {
      const per = g.itemSize;
      const ok = noise.dims.length >= 1 && sizeOf(noise.dims.slice(1)) === per && (noise.dims[0] === n || noise.dims[0] === n * g.items);
      if (!ok || (noise.dtype !== 'float32' && noise.dtype !== 'float64')) {
        throw new ConvlensError(ErrorCodes.BAD_USAGE, `smoothgrad: noise of shape [${noise.dims.join(', ')}] (${noise.dtype}) does not fit n = ${n} copies of an input item [${g.dims.slice(1).join(', ')}]`, {
          hint: `give float noise of shape [${n}, ${g.dims.slice(1).join(', ')}] or [${n * g.items}, ${g.dims.slice(1).join(', ')}]`,
        });
      }
    }
    const std = new Float64Array(g.items);
    const range = new Float64Array(g.items);
    for (let b = 0; b < g.items; b++) {
      const x = p.item(b);
      let lo = Infinity, hi = -Infinity;
      for (let i = 0; i < x.length; i++) { const v = x[i]!; if (v < lo) lo = v; if (v > hi) hi = v; }
      range[b] = hi - lo;
      std[b] = params.sigma * (hi - lo);
    }
    const rng = new Rng(ctx.seed ?? 0);
    const sum = new Float64Array(g.items * g.itemSize);
    const sumSq = new Float64Array(g.items * g.itemSize);
    await p.run({
      count: n,
      fill(b, k, out) {
        const x = p.item(b);
        const s = std[b]!;
        if (noise) {
          const row = noise.dims[0] === n ? k : b * n + k;
          const e = (noise.data as Float32Array | Float64Array).subarray(row * out.length, (row + 1) * out.length);
          for (let i = 0; i < out.length; i++) out[i] = x[i]! + s * e[i]!;
        } else {
          // drawn in (channel, position) order whatever the layout, so NCHW and NHWC models see the same noise
          for (let c = 0; c < g.channels; c++) {
            for (let q = 0; q < g.plane; q++) { const i = elementIndex(g, c, q); out[i] = x[i]! + s * rng.normal(); }
          }
        }
      },
      consume(b, _k, grad, _score, noisy) {
        const base = b * g.itemSize;
        const inner = params.attribution;
        for (let i = 0; i < grad.length; i++) {
          const a = inner === 'saliency' ? Math.abs(grad[i]!) : inner === 'gradxinput' ? grad[i]! * noisy[i]! : grad[i]!;
          sum[base + i] += a;
          sumSq[base + i] += a * a;
        }
      },
    });
    const attribution = new Float32Array(sum.length);
    for (let i = 0; i < sum.length; i++) {
      const m = sum[i]! / n, m2 = sumSq[i]! / n;
      attribution[i] = params.variant === 'smoothgrad' ? m : params.variant === 'smoothgrad_sq' ? m2 : m2 - m * m;
    }
    const reduction: ChannelReduction = params.variant === 'smoothgrad' && params.attribution === 'saliency' ? 'max-abs' : 'sum';
    return {
      attribution,
      reduction,
      extras: { noiseStd: [...std], inputRange: [...range], noise: noise ? 'explicit' : 'seeded' },
    };
  },
});
