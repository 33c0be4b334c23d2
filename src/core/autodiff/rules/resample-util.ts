/**
 * Separable interpolation matrices for Resize/Upsample. Every ONNX resize mode is separable: output
 * position j on one axis reads input positions with fixed weights, y = M·x per axis with M [out × in].
 * This builds M from the static shapes exactly as ONNX Runtime's CPU kernel does (float math aside):
 * coordinate transforms half_pixel, half_pixel_symmetric, pytorch_half_pixel, align_corners, asymmetric,
 * tf_half_pixel_for_nn, tf_crop_and_resize (outside the roi → extrapolation_value, no gradient);
 * nearest with round_prefer_floor / round_prefer_ceil / floor / ceil / 'simple' (opset ≤ 10 and
 * Upsample: truncate when upsampling, ceil when downsampling); linear (edge-clamped); cubic with
 * cubic_coeff_a and exclude_outside.
 */
import { ConvlensError, ErrorCodes } from '../../errors.ts';

export interface AxisResample {
  mode: 'nearest' | 'linear' | 'cubic';
  coordinateTransform: string;
  nearestMode: string;
  cubicA: number;
  excludeOutside: boolean;
  /** tf_crop_and_resize roi for this axis (normalized start, end). */
  roi?: [number, number];
}

function originalCoordinate(j: number, scale: number, outLen: number, inLen: number, o: AxisResample): number {
  switch (o.coordinateTransform) {
    case 'half_pixel': return (j + 0.5) / scale - 0.5;
    case 'half_pixel_symmetric': {
      const adjustment = outLen / (scale * inLen);
      const center = inLen / 2;
      const offset = center * (1 - adjustment);
      return offset + (j + 0.5) / scale - 0.5;
    }
    case 'pytorch_half_pixel': return outLen > 1 ? (j + 0.5) / scale - 0.5 : 0;
    case 'align_corners': return outLen === 1 ? 0 : (j * (inLen - 1)) / (outLen - 1);
    case 'asymmetric': return j / scale;
    case 'tf_half_pixel_for_nn': return (j + 0.5) / scale;
    case 'tf_crop_and_resize': {
      const [s, e] = o.roi ?? [0, 1];
      return outLen > 1 ? s * (inLen - 1) + (j * (e - s) * (inLen - 1)) / (outLen - 1) : 0.5 * (s + e) * (inLen - 1);
    }
    default:
      throw new ConvlensError(ErrorCodes.UNSUPPORTED_OP, `Resize: coordinate_transformation_mode "${o.coordinateTransform}" is not supported`);
  }
}

function nearestIndex(x: number, mode: string, downsample: boolean): number {
  switch (mode) {
    case 'round_prefer_floor': return x === Math.trunc(x) + 0.5 ? Math.floor(x) : roundHalfAway(x);
    case 'round_prefer_ceil': return x === Math.trunc(x) + 0.5 ? Math.ceil(x) : roundHalfAway(x);
    case 'floor': return Math.floor(x);
    case 'ceil': return Math.ceil(x);
    case 'simple': return downsample ? Math.ceil(x) : Math.trunc(x);
    default:
      throw new ConvlensError(ErrorCodes.UNSUPPORTED_OP, `Resize: nearest_mode "${mode}" is not supported`);
  }
}

function roundHalfAway(x: number): number {
  return x < 0 ? -Math.round(-x) : Math.round(x);
}

function cubicCoeffs(t: number, a: number): number[] {
  const c = (d: number): number => {
    const x = Math.abs(d);
    if (x <= 1) return ((a + 2) * x - (a + 3)) * x * x + 1;
    if (x < 2) return ((a * x - 5 * a) * x + 8 * a) * x - 4 * a;
    return 0;
  };
  return [c(t + 1), c(t), c(1 - t), c(2 - t)];
}

/** M [out × in] for one axis. */
export function interpolationMatrix(inLen: number, outLen: number, scale: number, o: AxisResample): Float64Array {
  const m = new Float64Array(outLen * inLen);
  const extrapolate = o.coordinateTransform === 'tf_crop_and_resize';
  for (let j = 0; j < outLen; j++) {
    const x = originalCoordinate(j, scale, outLen, inLen, o);
    if (extrapolate && (x < 0 || x > inLen - 1)) continue; // extrapolation_value: constant, no gradient
    if (o.mode === 'nearest') {
      const i = Math.min(Math.max(nearestIndex(x, o.nearestMode, scale < 1), 0), inLen - 1);
      m[j * inLen + i] += 1;
    } else if (o.mode === 'linear') {
      const xc = Math.min(Math.max(x, 0), inLen - 1);
      const i0 = Math.min(Math.floor(xc), inLen - 1);
      const i1 = Math.min(i0 + 1, inLen - 1);
      const t = xc - i0;
      m[j * inLen + i0] += 1 - t;
      m[j * inLen + i1] += t;
    } else {
      const x0 = Math.floor(x);
      const t = x - x0;
      const cs = cubicCoeffs(t, o.cubicA);
      const idx = [x0 - 1, x0, x0 + 1, x0 + 2];
      if (o.excludeOutside) {
        let sum = 0;
        for (let k = 0; k < 4; k++) if (idx[k]! >= 0 && idx[k]! < inLen) sum += cs[k]!;
        for (let k = 0; k < 4; k++) if (idx[k]! >= 0 && idx[k]! < inLen) m[j * inLen + idx[k]!] += cs[k]! / sum;
      } else {
        for (let k = 0; k < 4; k++) m[j * inLen + Math.min(Math.max(idx[k]!, 0), inLen - 1)] += cs[k]!;
      }
    }
  }
  return m;
}
