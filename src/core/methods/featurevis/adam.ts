/**
 * Adam (Kingma & Ba, "Adam: A Method for Stochastic Optimization", ICLR 2015, Algorithm 1) for
 * gradient ASCENT on a flat float64 parameter vector — the optimizer Lucid's `render_vis` uses
 * (`tf.train.AdamOptimizer(0.05)`), with TensorFlow/PyTorch's defaults β₁ = 0.9, β₂ = 0.999, ε = 1e-8:
 *
 *   m ← β₁m + (1−β₁)g,  v ← β₂v + (1−β₂)g²,  θ ← θ + lr · (m / (1−β₁ᵗ)) / (√(v / (1−β₂ᵗ)) + ε)
 *
 * Elementwise, so images optimized in one batch do not influence each other's steps.
 */
import { ConvlensError, ErrorCodes } from '../../errors.ts';

/** Options for {@link Adam}. */
export interface AdamOptions {
  /** Learning rate (default 0.05, Lucid's). */
  lr?: number;
  /** First-moment decay (default 0.9). */
  beta1?: number;
  /** Second-moment decay (default 0.999). */
  beta2?: number;
  /** Denominator guard (default 1e-8). */
  eps?: number;
}

/**
 * @example
 * const opt = new Adam(params.length, { lr: 0.05 });
 * opt.ascend(params, grad); // params += Adam step along +grad
 */
export class Adam {
  readonly lr: number;
  readonly beta1: number;
  readonly beta2: number;
  readonly eps: number;
  private readonly m: Float64Array;
  private readonly v: Float64Array;
  private t = 0;

  constructor(size: number, opts: AdamOptions = {}) {
    this.lr = opts.lr ?? 0.05;
    this.beta1 = opts.beta1 ?? 0.9;
    this.beta2 = opts.beta2 ?? 0.999;
    this.eps = opts.eps ?? 1e-8;
    if (!(this.lr > 0) || !Number.isFinite(this.lr)) throw new ConvlensError(ErrorCodes.BAD_USAGE, `learning rate must be a positive number, got ${opts.lr}`, { hint: 'e.g. --lr 0.05' });
    if (!(this.beta1 >= 0 && this.beta1 < 1 && this.beta2 >= 0 && this.beta2 < 1)) throw new ConvlensError(ErrorCodes.BAD_USAGE, 'Adam betas must be in [0, 1)');
    this.m = new Float64Array(size);
    this.v = new Float64Array(size);
  }

  /** Steps taken so far. */
  get steps(): number {
    return this.t;
  }

  /** One ascent step: `params` moves along `grad` (∂objective/∂params). */
  ascend(params: Float64Array, grad: ArrayLike<number>): void {
    this.t++;
    const { beta1: b1, beta2: b2, eps, m, v } = this;
    const c1 = 1 - b1 ** this.t, c2 = 1 - b2 ** this.t;
    const step = this.lr / c1, sc2 = 1 / Math.sqrt(c2);
    for (let i = 0; i < params.length; i++) {
      const g = grad[i]!;
      const mi = b1 * m[i]! + (1 - b1) * g;
      const vi = b2 * v[i]! + (1 - b2) * g * g;
      m[i] = mi; v[i] = vi;
      params[i]! += (step * mi) / (Math.sqrt(vi) * sc2 + eps);
    }
  }
}
