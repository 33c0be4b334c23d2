/**
 * Transformation robustness for feature visualization (Mordvintsev, Olah & Tyka, "Inceptionism", 2015;
 * Olah et al., "Feature Visualization", Distill 2017; Lucid's `optvis/transform.py`): every step the
 * image is randomly padded, jittered, scaled and rotated before the model sees it, so the optimizer
 * cannot win with pixel-exact adversarial patterns — only with features that survive small shifts.
 *
 * Lucid applies each step as its own resampling of a growing canvas. Here every step is an affine map
 * of centred pixel coordinates, so a whole drawn sequence composes into ONE affine map and ONE bilinear
 * resampling from the optimized image to the model's input size (Lucid's `crop_or_pad_to` for
 * fixed-size models: the canvas centre lands on the input centre). That resampling is a fixed sparse
 * linear operator per step — four taps per output pixel, plus a constant `fill` where a tap falls
 * outside the image (the pad value) — so its adjoint is exactly its transpose, applied by
 * {@link Sampler.adjoint}: the gradient reaching the optimized image is the exact gradient of what the
 * model saw. One resampling instead of two also blurs less.
 *
 * A `pad` step therefore only sets the value sampled outside the image (the canvas is unbounded);
 * `jitter d` shifts by an integer offset in 0..d minus d/2 (a random crop of d pixels), `scale` and
 * `rotate` pick uniformly from their lists (Lucid's `_rand_select`) about the image centre.
 */
import { ConvlensError, ErrorCodes } from '../../errors.ts';
import type { Rng } from '../random.ts';

/** One random transformation step. Pixel amounts are in pixels of the optimized image. */
export type TransformStep =
  | { readonly kind: 'pad'; readonly pixels: number; readonly fill?: number }
  | { readonly kind: 'jitter'; readonly pixels: number }
  | { readonly kind: 'scale'; readonly factors: readonly number[] }
  | { readonly kind: 'rotate'; readonly degrees: readonly number[] };

/** Lucid's `standard_transforms` scales (1 ± 0.1 in steps of 0.02). */
export const STANDARD_SCALES: readonly number[] = Array.from({ length: 11 }, (_, i) => 1 + (i - 5) / 50);
/** Lucid's `standard_transforms` angles: -10..10 degrees, plus five extra zeros. */
export const STANDARD_ANGLES: readonly number[] = [...Array.from({ length: 21 }, (_, i) => i - 10), 0, 0, 0, 0, 0];

/**
 * Lucid's `standard_transforms`: pad 12 (fill 0.5), jitter 8, random scale 0.9–1.1, random rotate
 * ±10°, jitter 4. Those pixel amounts were chosen for 128-px visualizations; for a smaller image
 * (`size` < 128, e.g. a 28-px MNIST model) they are scaled by size/128 (rounded, at least 1 px) so
 * a jitter does not move a digit by a third of its width.
 *
 * @param size the optimized image's larger side (default 128: Lucid's values unchanged)
 * @example standardTransforms(224) // pad 12, jitter 8, scale, rotate, jitter 4
 */
export function standardTransforms(size = 128): TransformStep[] {
  const f = Math.min(1, size / 128);
  const px = (v: number): number => Math.max(1, Math.round(v * f));
  return [
    { kind: 'pad', pixels: px(12), fill: 0.5 },
    { kind: 'jitter', pixels: px(8) },
    { kind: 'scale', factors: STANDARD_SCALES },
    { kind: 'rotate', degrees: STANDARD_ANGLES },
    { kind: 'jitter', pixels: px(4) },
  ];
}

/** A 2-D affine map `x ↦ A·x + b` on (x, y) coordinates; `A` is row-major `[a00, a01, a10, a11]`. */
export interface Affine {
  readonly a: readonly [number, number, number, number];
  readonly b: readonly [number, number];
}

const IDENTITY: Affine = { a: [1, 0, 0, 1], b: [0, 0] };

/** `g ∘ f` */
function compose(g: Affine, f: Affine): Affine {
  const [g0, g1, g2, g3] = g.a, [f0, f1, f2, f3] = f.a;
  return {
    a: [g0 * f0 + g1 * f2, g0 * f1 + g1 * f3, g2 * f0 + g3 * f2, g2 * f1 + g3 * f3],
    b: [g0 * f.b[0] + g1 * f.b[1] + g.b[0], g2 * f.b[0] + g3 * f.b[1] + g.b[1]],
  };
}

function invert(m: Affine): Affine {
  const [a0, a1, a2, a3] = m.a;
  const det = a0 * a3 - a1 * a2;
  if (!(Math.abs(det) > 1e-12)) throw new ConvlensError(ErrorCodes.BAD_USAGE, 'transform is not invertible (a zero scale factor?)');
  const i0 = a3 / det, i1 = -a1 / det, i2 = -a2 / det, i3 = a0 / det;
  return { a: [i0, i1, i2, i3], b: [-(i0 * m.b[0] + i1 * m.b[1]), -(i2 * m.b[0] + i3 * m.b[1])] };
}

/** One draw of a transform sequence. */
export interface DrawnTransform {
  /** Centred image coordinates → centred canvas coordinates. */
  readonly forward: Affine;
  /** Value sampled outside the image (the last pad's fill; 0.5 when there is no pad). */
  readonly fill: number;
  /** What was drawn, step by step (for logs and tests). */
  readonly draws: readonly { kind: TransformStep['kind']; value: number | readonly number[] }[];
}

/** Checks a transform list; throws E_BAD_USAGE naming the bad step. */
export function validateTransforms(steps: readonly TransformStep[]): void {
  steps.forEach((s, i) => {
    const bad = (why: string): never => { throw new ConvlensError(ErrorCodes.BAD_USAGE, `transform ${i} (${s.kind}): ${why}`); };
    if (s.kind === 'pad' || s.kind === 'jitter') {
      if (!Number.isInteger(s.pixels) || s.pixels < 0) bad(`pixels must be a non-negative integer, got ${s.pixels}`);
      if (s.kind === 'pad' && s.fill !== undefined && !Number.isFinite(s.fill)) bad('fill must be a finite number');
    } else if (s.kind === 'scale') {
      if (s.factors.length === 0 || s.factors.some((f) => !(f > 0) || !Number.isFinite(f))) bad('factors must be positive numbers');
    } else if (s.kind === 'rotate') {
      if (s.degrees.length === 0 || s.degrees.some((d) => !Number.isFinite(d))) bad('degrees must be finite numbers');
    } else bad('unknown kind');
  });
}

/** Draws one random instance of `steps` (in order) from `rng`. */
export function drawTransform(steps: readonly TransformStep[], rng: Rng): DrawnTransform {
  let forward = IDENTITY;
  let fill = 0.5;
  const draws: DrawnTransform['draws'][number][] = [];
  for (const s of steps) {
    if (s.kind === 'pad') {
      fill = s.fill ?? 0.5;
      draws.push({ kind: 'pad', value: s.pixels });
    } else if (s.kind === 'jitter') {
      // a random crop of d pixels: the new centre sits (offset - d/2) from the old one
      const dx = rng.int(s.pixels + 1) - s.pixels / 2, dy = rng.int(s.pixels + 1) - s.pixels / 2;
      forward = compose({ a: [1, 0, 0, 1], b: [-dx, -dy] }, forward);
      draws.push({ kind: 'jitter', value: [dx, dy] });
    } else if (s.kind === 'scale') {
      const f = s.factors[rng.int(s.factors.length)]!;
      forward = compose({ a: [f, 0, 0, f], b: [0, 0] }, forward);
      draws.push({ kind: 'scale', value: f });
    } else {
      const deg = s.degrees[rng.int(s.degrees.length)]!;
      const t = (deg * Math.PI) / 180, c = Math.cos(t), sn = Math.sin(t);
      forward = compose({ a: [c, -sn, sn, c], b: [0, 0] }, forward);
      draws.push({ kind: 'rotate', value: deg });
    }
  }
  return { forward, fill, draws };
}

/** The identity transform (no robustness transforms; only the fit to the model's input size). */
export const NO_TRANSFORM: DrawnTransform = { forward: IDENTITY, fill: 0.5, draws: [] };

/**
 * Bilinear resampling of `[C][srcH][srcW]` images to `[C][outH][outW]` along a drawn transform: a
 * fixed sparse linear operator S (4 taps per output pixel, taps outside the image replaced by `fill`)
 * with its exact adjoint Sᵀ. When the sizes differ the whole image is stretched to the output
 * (`outH/srcH`, `outW/srcW`) before the transform's centred coordinates apply. Pixel centres are at
 * integer + ½ (`align_corners=False`), as PyTorch's `grid_sample` and the model's own preprocessing
 * resize. Taps are recomputed on the fly from the affine map (cheaper than storing them).
 *
 * @example
 * const s = new Sampler(drawTransform(standardTransforms(64), rng), [64, 64], [64, 64]);
 * s.apply(img, out, 3);       // what the model sees
 * s.adjoint(gOut, gImg, 3);   // gImg += Sᵀ·gOut
 */
export class Sampler {
  readonly srcH: number;
  readonly srcW: number;
  readonly outH: number;
  readonly outW: number;
  readonly fill: number;
  /** True when the operator is the identity (same size, no transform): apply/adjoint just copy. */
  readonly identity: boolean;
  /** Source pixel coordinates of output pixel (ox, oy): `sx = m[0]·ox + m[1]·oy + m[2]`, `sy = m[3]·ox + m[4]·oy + m[5]`. */
  private readonly m: Float64Array;
  /** Per-channel affine of the current call (scratch, grown to the channel count). */
  private shift = new Float64Array(4);
  private scale = new Float64Array(4);

  constructor(t: DrawnTransform, src: readonly [number, number], out: readonly [number, number]) {
    const [sh, sw] = src, [oh, ow] = out;
    this.srcH = sh; this.srcW = sw; this.outH = oh; this.outW = ow; this.fill = t.fill;
    const [a0, a1, a2, a3] = t.forward.a;
    this.identity = sh === oh && sw === ow && a0 === 1 && a1 === 0 && a2 === 0 && a3 === 1 && t.forward.b[0] === 0 && t.forward.b[1] === 0;
    // output pixel (ox, oy) → centred output coords · fit → inverse transform → source pixel coords
    const inv = invert(t.forward);
    const kx = sw / ow, ky = sh / oh;
    const [i0, i1, i2, i3] = inv.a;
    const cx0 = (0.5 - ow / 2) * kx, cy0 = (0.5 - oh / 2) * ky;
    this.m = Float64Array.from([
      i0 * kx, i1 * ky, i0 * cx0 + i1 * cy0 + inv.b[0] + sw / 2 - 0.5,
      i2 * kx, i3 * ky, i2 * cx0 + i3 * cy0 + inv.b[1] + sh / 2 - 0.5,
    ]);
  }

  private ensureChannels(channels: number): void {
    if (this.shift.length < channels) { this.shift = new Float64Array(channels); this.scale = new Float64Array(channels); }
  }

  /** Source coordinates (x, y) of output pixel (ox, oy), for tests and overlays. */
  sourceOf(ox: number, oy: number): [number, number] {
    const m = this.m;
    return [m[0]! * ox + m[1]! * oy + m[2]!, m[3]! * ox + m[4]! * oy + m[5]!];
  }

  /**
   * `out[c] = S·src[c] + fill·(weight of outside taps)` for `channels` planes (`src` `[C][srcH·srcW]`
   * from `srcOffset`, `out` `[C][outH·outW]` from `outOffset`). With `shift`/`scale` (per channel) the
   * value written is `(S·src[c] + … − shift[c])·scale[c]` — the model's normalization fused into the
   * resampling, written straight into a float32 model input (one pass instead of three).
   */
  apply(src: Float64Array, out: Float64Array | Float32Array, channels: number, srcOffset = 0, outOffset = 0, shift?: ArrayLike<number>, scale?: ArrayLike<number>): void {
    const { srcH: sh, srcW: sw, outH: oh, outW: ow, fill } = this;
    const sp = sh * sw, op = oh * ow;
    if (!shift && !scale && this.identity) { out.set(src.subarray(srcOffset, srcOffset + channels * sp), outOffset); return; }
    this.ensureChannels(channels);
    const sh0 = this.shift, sc0 = this.scale;
    for (let c = 0; c < channels; c++) { sh0[c] = shift?.[c] ?? 0; sc0[c] = scale?.[c] ?? 1; }
    if (this.identity) {
      for (let c = 0; c < channels; c++) {
        const a = sh0[c]!, b = sc0[c]!;
        for (let i = 0, q = outOffset + c * op, r = srcOffset + c * sp; i < op; i++, q++, r++) out[q] = (src[r]! - a) * b;
      }
      return;
    }
    const m = this.m;
    const m0 = m[0]!, m1 = m[1]!, m2 = m[2]!, m3 = m[3]!, m4 = m[4]!, m5 = m[5]!;
    for (let oy = 0; oy < oh; oy++) {
      let sx = m1 * oy + m2, sy = m4 * oy + m5;
      for (let ox = 0; ox < ow; ox++, sx += m0, sy += m3) {
        const x0 = Math.floor(sx), y0 = Math.floor(sy);
        const fx = sx - x0, fy = sy - y0;
        const o = outOffset + oy * ow + ox;
        const w00 = (1 - fx) * (1 - fy), w01 = fx * (1 - fy), w10 = (1 - fx) * fy, w11 = fx * fy;
        const i = srcOffset + y0 * sw + x0;
        if (x0 >= 0 && y0 >= 0 && x0 + 1 < sw && y0 + 1 < sh) {
          for (let c = 0, b = i, q = o; c < channels; c++, b += sp, q += op) {
            out[q] = (w00 * src[b]! + w01 * src[b + 1]! + w10 * src[b + sw]! + w11 * src[b + sw + 1]! - sh0[c]!) * sc0[c]!;
          }
          continue;
        }
        // border: taps outside the image read `fill`
        const xin0 = x0 >= 0 && x0 < sw, xin1 = x0 + 1 >= 0 && x0 + 1 < sw, yin0 = y0 >= 0 && y0 < sh, yin1 = y0 + 1 >= 0 && y0 + 1 < sh;
        const in00 = xin0 && yin0, in01 = xin1 && yin0, in10 = xin0 && yin1, in11 = xin1 && yin1;
        const outside = (in00 ? 0 : w00) + (in01 ? 0 : w01) + (in10 ? 0 : w10) + (in11 ? 0 : w11);
        for (let c = 0, b = i, q = o; c < channels; c++, b += sp, q += op) {
          out[q] = (outside * fill + (in00 ? w00 * src[b]! : 0) + (in01 ? w01 * src[b + 1]! : 0) + (in10 ? w10 * src[b + sw]! : 0) + (in11 ? w11 * src[b + sw + 1]! : 0) - sh0[c]!) * sc0[c]!;
        }
      }
    }
  }

  /**
   * `gSrc[c] += Sᵀ·(scale[c]·gOut[c])`: the exact adjoint of {@link apply} with respect to `src` (taps
   * outside the image receive nothing; `scale` per channel, default 1, reads e.g. a float32 gradient of
   * the normalized model input directly).
   */
  adjoint(gOut: Float64Array | Float32Array, gSrc: Float64Array, channels: number, outOffset = 0, srcOffset = 0, scale?: ArrayLike<number>): void {
    const { srcH: sh, srcW: sw, outH: oh, outW: ow } = this;
    const sp = sh * sw, op = oh * ow;
    this.ensureChannels(channels);
    const sc0 = this.scale;
    for (let c = 0; c < channels; c++) sc0[c] = scale?.[c] ?? 1;
    if (this.identity) {
      for (let c = 0; c < channels; c++) {
        const b = sc0[c]!;
        for (let i = 0, q = outOffset + c * op, r = srcOffset + c * sp; i < sp; i++, q++, r++) gSrc[r]! += gOut[q]! * b;
      }
      return;
    }
    const m = this.m;
    const m0 = m[0]!, m1 = m[1]!, m2 = m[2]!, m3 = m[3]!, m4 = m[4]!, m5 = m[5]!;
    for (let oy = 0; oy < oh; oy++) {
      let sx = m1 * oy + m2, sy = m4 * oy + m5;
      for (let ox = 0; ox < ow; ox++, sx += m0, sy += m3) {
        const x0 = Math.floor(sx), y0 = Math.floor(sy);
        const fx = sx - x0, fy = sy - y0;
        const o = outOffset + oy * ow + ox;
        const w00 = (1 - fx) * (1 - fy), w01 = fx * (1 - fy), w10 = (1 - fx) * fy, w11 = fx * fy;
        const i = srcOffset + y0 * sw + x0;
        if (x0 >= 0 && y0 >= 0 && x0 + 1 < sw && y0 + 1 < sh) {
          for (let c = 0, b = i, q = o; c < channels; c++, b += sp, q += op) {
            const g = gOut[q]! * sc0[c]!;
            gSrc[b]! += w00 * g; gSrc[b + 1]! += w01 * g; gSrc[b + sw]! += w10 * g; gSrc[b + sw + 1]! += w11 * g;
          }
          continue;
        }
        const xin0 = x0 >= 0 && x0 < sw, xin1 = x0 + 1 >= 0 && x0 + 1 < sw, yin0 = y0 >= 0 && y0 < sh, yin1 = y0 + 1 >= 0 && y0 + 1 < sh;
        for (let c = 0, b = i, q = o; c < channels; c++, b += sp, q += op) {
          const g = gOut[q]! * sc0[c]!;
          if (xin0 && yin0) gSrc[b]! += w00 * g;
          if (xin1 && yin0) gSrc[b + 1]! += w01 * g;
          if (xin0 && yin1) gSrc[b + sw]! += w10 * g;
          if (xin1 && yin1) gSrc[b + sw + 1]! += w11 * g;
        }
      }
    }
  }
}
