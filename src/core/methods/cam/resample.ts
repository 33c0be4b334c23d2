/**
 * Separable linear resampling of 1-D, 2-D and 3-D float maps (linear / bilinear / trilinear), in
 * float64, for CAM maps: half-pixel centres (`alignCorners: false`, cv2.resize INTER_LINEAR and
 * torch `interpolate(..., align_corners=False)`, how pytorch-grad-cam upsamples CAMs) or corner-aligned
 * centres (`alignCorners: true`, torch `UpsamplingBilinear2d`, what pytorch-grad-cam's Score-CAM uses
 * to build its masks). No antialiasing: CAM maps are only ever enlarged. The 2-D half-pixel case
 * equals `resizePlaneBilinear` from src/core/image/resize.ts (tested), which works on float32 planes.
 */
import { ConvlensError, ErrorCodes } from '../../errors.ts';

/** Taps of one axis: output index i reads `w0 * in[i0] + w1 * in[i0 + 1]` (w1 = 0 at the border). */
interface LinearAxis {
  readonly i0: Int32Array;
  readonly w1: Float64Array;
  readonly inSize: number;
}

function linearAxis(inSize: number, outSize: number, alignCorners: boolean): LinearAxis {
  const i0 = new Int32Array(outSize);
  const w1 = new Float64Array(outSize);
  const scale = inSize / outSize;
  for (let i = 0; i < outSize; i++) {
    let src = alignCorners ? (outSize > 1 ? (i * (inSize - 1)) / (outSize - 1) : 0) : (i + 0.5) * scale - 0.5;
    if (src < 0) src = 0;
    let k = Math.floor(src);
    if (k >= inSize - 1) { k = inSize - 1; src = k; }
    i0[i] = k;
    w1[i] = src - k;
  }
  return { i0, w1, inSize };
}

/**
 * Resamples `src` (row-major, shape `from`) to shape `to`; both have 1 to 3 dims (e.g. `[h, w]` or
 * `[d, h, w]`). Values are computed in float64.
 *
 * @example
 * resizeLinear(cam7x7, [7, 7], [224, 224]);                          // cv2.resize(cam, (224, 224))
 * resizeLinear(act, [7, 7], [224, 224], { alignCorners: true });     // UpsamplingBilinear2d
 */
export function resizeLinear(src: ArrayLike<number>, from: readonly number[], to: readonly number[], opts: { alignCorners?: boolean } = {}): Float64Array {
  return linearResizer(from, to, opts).resize(src);
}

/**
 * A resize from `from` to `to` planned once — the per-axis taps and the intermediate buffers — for
 * resampling many maps of the same shape (Score-CAM upsamples every channel of the target layer):
 * `resize(src, out?)` gives exactly {@link resizeLinear}'s values without allocating per call when
 * `out` (length = product of `to`) is given. Not re-entrant: one resize at a time per resizer.
 */
export interface LinearResizer {
  readonly from: readonly number[];
  readonly to: readonly number[];
  /** Resamples `src` (product of `from` values) into `out` (or a new array) and returns it. */
  resize(src: ArrayLike<number>, out?: Float64Array): Float64Array;
}

/** Plans a resize (see {@link LinearResizer}); validates sizes like {@link resizeLinear}. */
export function linearResizer(from: readonly number[], to: readonly number[], opts: { alignCorners?: boolean } = {}): LinearResizer {
  if (from.length !== to.length || from.length < 1 || from.length > 3) {
    throw new ConvlensError(ErrorCodes.BAD_USAGE, `resizeLinear: cannot resize [${from.join(', ')}] to [${to.join(', ')}] (1 to 3 spatial dims, same rank)`);
  }
  for (const d of [...from, ...to]) {
    if (!Number.isInteger(d) || d < 1) throw new ConvlensError(ErrorCodes.BAD_USAGE, `resizeLinear: sizes must be positive integers, got [${from.join(', ')}] → [${to.join(', ')}]`);
  }
  let n = 1;
  for (const d of from) n *= d;
  let total = 1;
  for (const d of to) total *= d;
  // One axis at a time, last axis first (the result does not depend on the order up to rounding).
  const steps: { axis: LinearAxis; outer: number; inner: number; inLen: number; outLen: number; buf: Float64Array }[] = [];
  const shape = [...from];
  for (let ax = from.length - 1; ax >= 0; ax--) {
    if (shape[ax] === to[ax]) continue;
    let outer = 1;
    for (let k = 0; k < ax; k++) outer *= shape[k]!;
    let inner = 1;
    for (let k = ax + 1; k < shape.length; k++) inner *= shape[k]!;
    const axis = linearAxis(shape[ax]!, to[ax]!, opts.alignCorners ?? false);
    steps.push({ axis, outer, inner, inLen: shape[ax]!, outLen: to[ax]!, buf: new Float64Array(0) });
    shape[ax] = to[ax]!;
  }
  return {
    from: [...from],
    to: [...to],
    resize(src: ArrayLike<number>, out?: Float64Array): Float64Array {
      if (src.length !== n) throw new ConvlensError(ErrorCodes.BAD_USAGE, `resizeLinear: ${src.length} values do not fill [${from.join(', ')}]`);
      if (out && out.length !== total) throw new ConvlensError(ErrorCodes.BAD_USAGE, `resizeLinear: the output holds ${out.length} values, [${to.join(', ')}] needs ${total}`);
      if (steps.length === 0) {
        const res = out ?? new Float64Array(total);
        for (let i = 0; i < n; i++) res[i] = src[i]!;
        return res;
      }
      let cur: ArrayLike<number> = src;
      for (let si = 0; si < steps.length; si++) {
        const st = steps[si]!;
        const size = st.outer * st.outLen * st.inner;
        const next = si === steps.length - 1 ? (out ?? new Float64Array(size)) : st.buf.length === size ? st.buf : (st.buf = new Float64Array(size));
        resampleAxis(cur, next, st.axis, st.outer, st.inner, st.inLen, st.outLen);
        cur = next;
      }
      return cur as Float64Array;
    },
  };
}

/** One axis of a separable linear resize (`cur` → `next`, both row-major). */
function resampleAxis(cur: ArrayLike<number>, next: Float64Array, a: LinearAxis, outer: number, inner: number, inLen: number, outLen: number): void {
  for (let o = 0; o < outer; o++) {
    const sBase = o * inLen * inner, dBase = o * outLen * inner;
    for (let i = 0; i < outLen; i++) {
      const k = a.i0[i]!, t = a.w1[i]!;
      const s0 = sBase + k * inner, d0 = dBase + i * inner;
      if (t === 0) {
        for (let j = 0; j < inner; j++) next[d0 + j] = +cur[s0 + j]!;
      } else {
        const s1 = s0 + inner, u = 1 - t;
        for (let j = 0; j < inner; j++) next[d0 + j] = u * cur[s0 + j]! + t * cur[s1 + j]!;
      }
    }
  }
}

/**
 * Mirrors a row-major map along its last axis (the width): a horizontal flip, as ttach's
 * `HorizontalFlip` applies to images and undoes on masks.
 */
export function flipLastAxis(src: ArrayLike<number>, width: number): Float64Array {
  const out = new Float64Array(src.length);
  for (let r = 0; r < src.length; r += width) {
    for (let x = 0; x < width; x++) out[r + x] = src[r + width - 1 - x]!;
  }
  return out;
}
