/**
 * Image parameterizations for feature visualization (Olah, Mordvintsev & Schubert, "Feature
 * Visualization", Distill 2017, §"The Enemy of Feature Visualization" and §"Preconditioning and
 * Parameterization"; Lucid's `optvis/param`): what the optimizer actually changes, and how it becomes
 * an image in [0, 1].
 *
 *   params ──spatial──▶ t ──colour──▶ u ──sigmoid──▶ image ∈ [0, 1]   (then transforms, then the model's normalization)
 *
 * - spatial `'pixel'`: t = params, one value per pixel (the naive parameterization).
 * - spatial `'fft'`: params are the real and imaginary parts of a half spectrum; t = irfft2(s ⊙ params) / 4
 *   with s(f) = √(H·W) / max(|f|, 1/max(H, W))^decay — Lucid's `fft_image`: the 1/f scaling whitens the
 *   spectrum of natural images, so Adam's per-parameter steps are evenly spread over frequencies instead
 *   of being dominated by high-frequency pixel noise. Initialized with small N(0, sd²) coefficients.
 * - colour decorrelation (3 channels only): u = M·t per pixel, with M the square root of the ImageNet
 *   colour correlation matrix (Lucid's `color_correlation_svd_sqrt`, columns normalized by the largest
 *   column norm), so the optimizer moves in a whitened colour space. Identity for 1 or ≠ 3 channels.
 * - sigmoid squashing keeps every value a valid pixel without clipping.
 *
 * {@link ImageParam.backward} applies the exact transpose of each linear step (the FFT adjoint from
 * fft.ts, Mᵀ, the 1/f scale) and the sigmoid's derivative, all in float64.
 */
import { ConvlensError, ErrorCodes } from '../../errors.ts';
import type { Rng } from '../random.ts';
import { Rfft2Plan, rfft2Frequencies } from './fft.ts';

/** How images are parameterized. */
export type SpatialParam = 'fft' | 'pixel';

/**
 * Square root of the ImageNet RGB colour correlation matrix (rows: output R, G, B), as published with
 * Lucid (`lucid/optvis/param/color.py`, `color_correlation_svd_sqrt`).
 */
export const COLOR_CORRELATION_SVD_SQRT: readonly (readonly number[])[] = [
  [0.26, 0.09, 0.02],
  [0.27, 0.0, -0.05],
  [0.27, -0.09, 0.03],
];

/** {@link COLOR_CORRELATION_SVD_SQRT} divided by its largest column norm (what is applied), row-major 3×3. */
export const COLOR_DECORRELATION: Float64Array = (() => {
  const m = COLOR_CORRELATION_SVD_SQRT;
  let maxNorm = 0;
  for (let c = 0; c < 3; c++) maxNorm = Math.max(maxNorm, Math.hypot(m[0]![c]!, m[1]![c]!, m[2]![c]!));
  return Float64Array.from(m.flat().map((v) => v / maxNorm));
})();

/** Options for {@link ImageParam}. */
export interface ImageParamOptions {
  /** Number of images optimized together. */
  batch: number;
  /** Channels of each image (the model's input channels: 1 gray, 3 RGB, or any other count). */
  channels: number;
  /** Image height in pixels. */
  height: number;
  /** Image width in pixels. */
  width: number;
  /**
   * `'fft'` (default): 1/f-scaled spectrum, Lucid's `fft_image`. `'pixel'`: one parameter per pixel.
   * @example 'pixel' // the naive baseline
   */
  param?: SpatialParam;
  /**
   * Decorrelate colours with {@link COLOR_DECORRELATION} (default true). Only applies to 3-channel
   * images; other channel counts always use the identity.
   */
  decorrelate?: boolean;
  /** Standard deviation of the random initialization (default 0.01, as Lucid). */
  sd?: number;
  /** Exponent of the 1/f spectrum scaling (default 1, as Lucid). */
  decayPower?: number;
}

/**
 * The parameters of a batch of images and the differentiable map from them to pixels in [0, 1].
 *
 * @example
 * const p = new ImageParam({ batch: 2, channels: 3, height: 64, width: 64 });
 * p.init(0, new Rng(1)); p.init(1, new Rng(2));
 * const img = p.forward();            // Float64Array [2][3][64][64] in (0, 1)
 * p.backward(dLossDImg, gradParams);  // exact ∂loss/∂params
 */
export class ImageParam {
  readonly batch: number;
  readonly channels: number;
  readonly height: number;
  readonly width: number;
  readonly param: SpatialParam;
  /** Whether the 3×3 colour decorrelation is applied (3-channel images with `decorrelate`). */
  readonly decorrelated: boolean;
  readonly sd: number;
  readonly decayPower: number;
  /** The values the optimizer changes. */
  readonly params: Float64Array;
  private readonly plan?: Rfft2Plan;
  private readonly scale?: Float64Array;
  private readonly spatial: Float64Array;
  private readonly image: Float64Array;
  /** {@link scale} / 4: what multiplies the parameters. */
  private readonly scale4?: Float64Array;

  constructor(opts: ImageParamOptions) {
    const { batch, channels, height, width } = opts;
    for (const [k, v] of Object.entries({ batch, channels, height, width })) {
      if (!Number.isInteger(v) || v < 1) throw new ConvlensError(ErrorCodes.BAD_USAGE, `image parameterization: ${k} must be a positive integer, got ${v}`);
    }
    this.batch = batch; this.channels = channels; this.height = height; this.width = width;
    this.param = opts.param ?? 'fft';
    if (this.param !== 'fft' && this.param !== 'pixel') throw new ConvlensError(ErrorCodes.BAD_USAGE, `unknown parameterization "${String(this.param)}"`, { hint: "use 'fft' or 'pixel'" });
    this.decorrelated = (opts.decorrelate ?? true) && channels === 3;
    this.sd = opts.sd ?? 0.01;
    this.decayPower = opts.decayPower ?? 1;
    const planes = batch * channels, pixels = planes * height * width;
    this.spatial = new Float64Array(pixels);
    this.image = new Float64Array(pixels);
    if (this.param === 'fft') {
      this.plan = new Rfft2Plan(height, width);
      const k = this.plan.k;
      const freqs = rfft2Frequencies(height, width);
      const scale = new Float64Array(height * k);
      const floor = 1 / Math.max(height, width), norm = Math.sqrt(height * width);
      for (let i = 0; i < scale.length; i++) scale[i] = norm / Math.max(freqs[i]!, floor) ** this.decayPower;
      this.scale = scale;
      this.scale4 = scale.map((v) => v * 0.25); // Lucid divides the image by 4
      const n = this.plan.spectrumSize(planes);
      this.params = new Float64Array(2 * n);
    } else {
      this.params = new Float64Array(pixels);
    }
  }

  /**
   * Draws image `index`'s parameters from N(0, sd²) with `rng` (a fixed order: real parts, then
   * imaginary parts, each channel by channel, row by row), independently of the other images.
   */
  init(index: number, rng: Rng): void {
    const { channels: C, height: H, width: W, sd } = this;
    if (this.param === 'pixel') {
      const o = index * C * H * W;
      for (let i = 0; i < C * H * W; i++) this.params[o + i] = sd * rng.normal();
      return;
    }
    const k = this.plan!.k, P = this.batch * C, n = this.plan!.spectrumSize(P);
    for (const part of [0, n]) {
      for (let c = 0; c < C; c++) {
        const p = index * C + c;
        for (let y = 0; y < H; y++) for (let f = 0; f < k; f++) this.params[part + (y * P + p) * k + f] = sd * rng.normal();
      }
    }
  }

  /** Sets image `index` so that it renders as `pixels` (`[C][H][W]` in (0, 1), clamped to [1e-4, 1 - 1e-4]). */
  setImage(index: number, pixels: Float64Array): void {
    const { channels: C, height: H, width: W } = this;
    const hw = H * W;
    const t = new Float64Array(C * hw);
    for (let i = 0; i < C * hw; i++) {
      const v = Math.min(1 - 1e-4, Math.max(1e-4, pixels[i]!));
      t[i] = Math.log(v / (1 - v));
    }
    if (this.decorrelated) {
      const inv = invert3(COLOR_DECORRELATION);
      for (let i = 0; i < hw; i++) {
        const a = t[i]!, b = t[hw + i]!, c = t[2 * hw + i]!;
        t[i] = inv[0]! * a + inv[1]! * b + inv[2]! * c;
        t[hw + i] = inv[3]! * a + inv[4]! * b + inv[5]! * c;
        t[2 * hw + i] = inv[6]! * a + inv[7]! * b + inv[8]! * c;
      }
    }
    if (this.param === 'pixel') { this.params.set(t, index * C * hw); return; }
    // spectrum = rfft2(4·t) / scale  (rfft2 inverts numpy's irfft2 on half spectra)
    const plan = this.plan!, k = plan.k, P = this.batch * C, n = plan.spectrumSize(P);
    const re = new Float64Array(plan.spectrumSize(C)), im = new Float64Array(plan.spectrumSize(C));
    for (let i = 0; i < t.length; i++) t[i]! *= 4;
    plan.forward(t, re, im, C);
    for (let c = 0; c < C; c++) {
      for (let y = 0; y < H; y++) {
        for (let f = 0; f < k; f++) {
          const s = this.scale![y * k + f]!;
          const src = (y * C + c) * k + f, dst = (y * P + index * C + c) * k + f;
          this.params[dst] = re[src]! / s;
          this.params[n + dst] = im[src]! / s;
        }
      }
    }
  }

  /**
   * The images `[N][C][H][W]` in (0, 1) for the current parameters. The returned array is owned by
   * this object and overwritten by the next call; {@link backward} uses the values of the last call.
   */
  forward(): Float64Array {
    const { batch: N, channels: C, height: H, width: W } = this;
    const t = this.spatial;
    if (this.param === 'pixel') t.set(this.params);
    else {
      const plan = this.plan!, n = plan.spectrumSize(N * C);
      // the 1/f scale (÷ 4, as Lucid divides the image by 4) is applied on the way into the inverse FFT
      plan.inverse(this.params.subarray(0, n), this.params.subarray(n, 2 * n), t, N * C, this.scale4!);
    }
    const img = this.image, hw = H * W;
    if (this.decorrelated) {
      const m = COLOR_DECORRELATION;
      for (let b = 0; b < N; b++) {
        const o = b * 3 * hw;
        for (let i = 0; i < hw; i++) {
          const r = t[o + i]!, g = t[o + hw + i]!, bl = t[o + 2 * hw + i]!;
          img[o + i] = sigmoid(m[0]! * r + m[1]! * g + m[2]! * bl);
          img[o + hw + i] = sigmoid(m[3]! * r + m[4]! * g + m[5]! * bl);
          img[o + 2 * hw + i] = sigmoid(m[6]! * r + m[7]! * g + m[8]! * bl);
        }
      }
    } else {
      for (let i = 0; i < t.length; i++) img[i] = sigmoid(t[i]!);
    }
    return img;
  }

  /**
   * Writes ∂L/∂params into `out` (length `params.length`) given ∂L/∂image `[N][C][H][W]` at the
   * images of the last {@link forward}. `g` is left unchanged.
   */
  backward(g: Float64Array, out: Float64Array): void {
    const { batch: N, channels: C, height: H, width: W } = this;
    const img = this.image, hw = H * W;
    // through the sigmoid, then Mᵀ; gt holds ∂L/∂t
    const gt = this.param === 'pixel' ? out : this.spatial;
    if (this.decorrelated) {
      const m = COLOR_DECORRELATION;
      for (let b = 0; b < N; b++) {
        const o = b * 3 * hw;
        for (let i = 0; i < hw; i++) {
          const y0 = img[o + i]!, y1 = img[o + hw + i]!, y2 = img[o + 2 * hw + i]!;
          const g0 = g[o + i]! * y0 * (1 - y0), g1 = g[o + hw + i]! * y1 * (1 - y1), g2 = g[o + 2 * hw + i]! * y2 * (1 - y2);
          gt[o + i] = m[0]! * g0 + m[3]! * g1 + m[6]! * g2;
          gt[o + hw + i] = m[1]! * g0 + m[4]! * g1 + m[7]! * g2;
          gt[o + 2 * hw + i] = m[2]! * g0 + m[5]! * g1 + m[8]! * g2;
        }
      }
    } else {
      for (let i = 0; i < img.length; i++) { const y = img[i]!; gt[i] = g[i]! * y * (1 - y); }
    }
    if (this.param === 'pixel') return;
    const plan = this.plan!, k = plan.k, P = N * C, n = plan.spectrumSize(P);
    const scale = this.scale4!;
    plan.inverseAdjoint(gt, out.subarray(0, n), out.subarray(n, 2 * n), P);
    for (let y = 0; y < H; y++) {
      for (let p = 0; p < P; p++) {
        const o = (y * P + p) * k, so = y * k;
        for (let f = 0; f < k; f++) {
          const s = scale[so + f]!;
          out[o + f]! *= s;
          out[n + o + f]! *= s;
        }
      }
    }
  }
}

/** 1 / (1 + e⁻ˣ): one exp, no branch (e⁻ˣ overflows to ∞ for x < −709 and the result is 0, as it should be). */
function sigmoid(x: number): number {
  return 1 / (1 + Math.exp(-x));
}

/** Inverse of a row-major 3×3 matrix (cofactors / determinant). */
function invert3(m: Float64Array): Float64Array {
  const a = m[0]!, b = m[1]!, c = m[2]!, d = m[3]!, e = m[4]!, f = m[5]!, g = m[6]!, h = m[7]!, i = m[8]!;
  const A = e * i - f * h, B = f * g - d * i, C = d * h - e * g;
  const det = a * A + b * B + c * C;
  return Float64Array.from([A, c * h - b * i, b * f - c * e, B, a * i - c * g, c * d - a * f, C, b * g - a * h, a * e - b * d].map((v) => v / det));
}
