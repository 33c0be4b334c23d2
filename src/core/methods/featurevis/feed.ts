/**
 * The last differentiable step before the model: the sampled images (through each image's transform
 * {@link Sampler}) normalized with the model's mean/std and laid out as its input tensor (NCHW or
 * NHWC, float32), and the exact adjoint of that map for the gradient coming back. For NCHW inputs
 * the resampling, the normalization and the float32 write are one pass ({@link Sampler.apply} with a
 * per-channel affine), and the adjoint reads the runtime's float32 gradient directly.
 */
import type { Tensor } from '../../tensor.ts';
import type { Sampler } from './transforms.ts';

/**
 * Turns `[N][C][h][w]` images in [0, 1] into the model's normalized input tensor through per-image
 * samplers, and maps ∂L/∂input back to ∂L/∂image.
 *
 * @example
 * const f = new InputFeeder([2, 3, 64, 64], 'NCHW', { mean: [0.5, 0.5, 0.5], std: [0.25, 0.25, 0.25] });
 * const x = f.feed(images, samplers, 3);
 * f.backward(gradInput, samplers, 3, gImages); // gImages += Sᵀ·(gradInput / std)
 */
export class InputFeeder {
  private readonly sampled: Float64Array;
  private readonly gSampled: Float64Array;
  private readonly tensor: Tensor<'float32'> | Tensor<'float64'>;
  private readonly hw: number;
  /** Per-channel mean and 1/std (the normalization fused into the resampling for NCHW). */
  private readonly mean: Float64Array;
  private readonly invStd: Float64Array;

  /**
   * @param shape the model input shape `[N, C, H, W]` (NCHW) or `[N, H, W, C]` (NHWC)
   * @param norm per-channel mean and std in [0, 1] units
   * @param dtype element type of the model input (default float32; float64 for float64 models and gradient checks)
   */
  constructor(readonly shape: readonly number[], readonly layout: 'NCHW' | 'NHWC', readonly norm: { readonly mean: readonly number[]; readonly std: readonly number[] }, dtype: 'float32' | 'float64' = 'float32') {
    const size = shape.reduce((a, b) => a * b, 1);
    // NCHW fuses resampling and normalization; only NHWC needs the float64 scratch planes
    this.sampled = new Float64Array(layout === 'NHWC' ? size : 0);
    this.gSampled = new Float64Array(layout === 'NHWC' ? size : 0);
    this.tensor = dtype === 'float32' ? { dtype, dims: [...shape], data: new Float32Array(size) } : { dtype, dims: [...shape], data: new Float64Array(size) };
    this.hw = layout === 'NCHW' ? shape[2]! * shape[3]! : shape[1]! * shape[2]!;
    this.mean = Float64Array.from(norm.mean);
    this.invStd = Float64Array.from(norm.std, (v) => 1 / v);
  }

  /** The model input for images `x01` (the returned tensor is reused by the next call). */
  feed(x01: Float64Array, samplers: readonly Sampler[], C: number): Tensor<'float32'> | Tensor<'float64'> {
    const n = samplers.length, hw = this.hw;
    const srcPer = C * samplers[0]!.srcH * samplers[0]!.srcW, outPer = C * hw;
    const d = this.tensor.data, s = this.sampled;
    if (this.layout === 'NCHW') {
      // resampling, normalization and the float32 write in one pass
      for (let k = 0; k < n; k++) samplers[k]!.apply(x01, d, C, k * srcPer, k * outPer, this.mean, this.invStd);
      return this.tensor;
    }
    for (let k = 0; k < n; k++) samplers[k]!.apply(x01, s, C, k * srcPer, k * outPer);
    for (let k = 0; k < n; k++) {
      for (let c = 0; c < C; c++) {
        const m = this.norm.mean[c]!, inv = 1 / this.norm.std[c]!;
        const o = k * outPer + c * hw;
        for (let p = 0; p < hw; p++) d[k * outPer + p * C + c] = (s[o + p]! - m) * inv;
      }
    }
    return this.tensor;
  }

  /** Adds ∂L/∂x01 into `gImg` given ∂L/∂(model input). */
  backward(g: Tensor, samplers: readonly Sampler[], C: number, gImg: Float64Array): void {
    const n = samplers.length, hw = this.hw, gd = g.data as Float32Array | Float64Array;
    const outPer = C * hw, srcPer = C * samplers[0]!.srcH * samplers[0]!.srcW;
    if (this.layout === 'NCHW') {
      for (let k = 0; k < n; k++) samplers[k]!.adjoint(gd, gImg, C, k * outPer, k * srcPer, this.invStd);
      return;
    }
    const gs = this.gSampled;
    for (let k = 0; k < n; k++) {
      for (let c = 0; c < C; c++) {
        const inv = 1 / this.norm.std[c]!;
        const o = k * outPer + c * hw;
        for (let p = 0; p < hw; p++) gs[o + p] = gd[k * outPer + p * C + c]! * inv;
      }
    }
    for (let k = 0; k < n; k++) samplers[k]!.adjoint(gs, gImg, C, k * outPer, k * srcPer);
  }
}
