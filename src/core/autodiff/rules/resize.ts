/**
 * Backward rule of Resize (opsets 10–19+: nearest/linear/cubic, every coordinate transform, scales or
 * sizes, opset-18 `axes` and keep_aspect_ratio_policy). Resize is linear in X and separable:
 * Y = (M_{r−1} ⊗ … ⊗ M_0)·X with one constant interpolation matrix per axis built from the static shapes
 * (resample-util.ts), so X̄ = ȳ with each Mᵀ applied along its axis (axis-matrix.ts) — exact for every
 * mode. Axes whose matrix is the identity are skipped. roi/scales/sizes are not differentiated.
 * Opset 10 (like Upsample) uses asymmetric coordinates and ORT's 'simple' nearest rounding.
 */
import { ConvlensError, ErrorCodes } from '../../errors.ts';
import { normAxis } from '../emit-helpers.ts';
import type { GradContext, GradRule } from '../rule.ts';
import { applyAxisMatrixT, isIdentity } from './axis-matrix.ts';
import { interpolationMatrix } from './resample-util.ts';
import type { AxisResample } from './resample-util.ts';

function constInput(ctx: GradContext, i: number): number[] | undefined {
  const name = ctx.node.input?.[i];
  if (!name) return undefined;
  const v = ctx.constValue(name);
  if (!v) {
    throw new ConvlensError(ErrorCodes.UNSUPPORTED_OP, `${ctx.node.opType} node "${ctx.node.name ?? ''}": input "${name}" is not a constant`, { hint: 'fix the input shape so the scales/sizes computation folds to a constant' });
  }
  return v.values;
}

/** Per-axis scales as the kernel uses them (given scales, or derived from sizes/output shape). */
export function resizeScales(ctx: GradContext, xS: number[], yS: number[]): number[] {
  const rank = xS.length;
  const opset = ctx.opset;
  const scalesIn = opset >= 11 ? constInput(ctx, 2) : constInput(ctx, 1);
  const sizesIn = opset >= 11 ? constInput(ctx, 3) : undefined;
  const axes = (opset >= 18 ? ctx.attrInts('axes') : undefined)?.map((a) => normAxis(a, rank)) ?? Array.from({ length: rank }, (_, i) => i);
  const scales = new Array<number>(rank).fill(1);
  if (scalesIn && scalesIn.length > 0) {
    axes.forEach((a, k) => (scales[a] = scalesIn[k]!));
    return scales;
  }
  if (sizesIn && sizesIn.length > 0) {
    const policy = ctx.attrString('keep_aspect_ratio_policy', 'stretch');
    if (policy === 'stretch') {
      axes.forEach((a, k) => (scales[a] = sizesIn[k]! / xS[a]!));
    } else {
      const rs = axes.map((a, k) => sizesIn[k]! / xS[a]!);
      const s = policy === 'not_larger' ? Math.min(...rs) : Math.max(...rs);
      axes.forEach((a) => (scales[a] = s));
    }
    return scales;
  }
  return xS.map((x, i) => yS[i]! / x);
}

export function resampleBackward(ctx: GradContext, g: string, xS: number[], yS: number[], scales: number[], base: Omit<AxisResample, 'roi'>, roi?: number[]): string {
  const rank = xS.length;
  let cur = g;
  const curS = [...yS];
  for (let a = 0; a < rank; a++) {
    const o: AxisResample = { ...base, roi: roi && roi.length === 2 * rank ? [roi[a]!, roi[rank + a]!] : undefined };
    const m = interpolationMatrix(xS[a]!, yS[a]!, scales[a]!, o);
    if (isIdentity(m, yS[a]!, xS[a]!)) continue;
    cur = applyAxisMatrixT(ctx, cur, curS, a, m, yS[a]!, xS[a]!);
    curS[a] = xS[a]!;
  }
  return cur;
}

export const resizeGrad: GradRule = {
  opType: 'Resize',
  sinceVersion: 10,
  differentiableInputs: [0],
  backward(ctx) {
    const g = ctx.gradOf(0)!;
    const xS = ctx.shape(ctx.node.input![0]!);
    const yS = ctx.shape(ctx.node.output![0]!);
    const mode = ctx.attrString('mode', 'nearest');
    if (mode !== 'nearest' && mode !== 'linear' && mode !== 'cubic') {
      throw new ConvlensError(ErrorCodes.UNSUPPORTED_OP, `Resize node "${ctx.node.name ?? ''}": mode "${mode}" is not supported`);
    }
    const scales = resizeScales(ctx, xS, yS);
    if (ctx.attrInt('antialias', 0) === 1 && mode !== 'nearest' && scales.some((s) => s < 1)) {
      throw new ConvlensError(ErrorCodes.UNSUPPORTED_OP, `Resize node "${ctx.node.name ?? ''}": antialiased downsampling has no gradient rule yet`);
    }
    const old = ctx.opset < 11;
    const base = {
      mode: mode as 'nearest' | 'linear' | 'cubic',
      coordinateTransform: old ? 'asymmetric' : ctx.attrString('coordinate_transformation_mode', 'half_pixel'),
      nearestMode: old ? 'simple' : ctx.attrString('nearest_mode', 'round_prefer_floor'),
      cubicA: ctx.attrFloat('cubic_coeff_a', -0.75),
      excludeOutside: ctx.attrInt('exclude_outside', 0) === 1,
    };
    let roi: number[] | undefined;
    if (base.coordinateTransform === 'tf_crop_and_resize') {
      roi = constInput(ctx, 1);
      const axes = ctx.opset >= 18 ? ctx.attrInts('axes') : undefined;
      if (roi && axes) {
        const rank = xS.length;
        const full = [...new Array<number>(rank).fill(0), ...new Array<number>(rank).fill(1)];
        axes.map((a) => normAxis(a, rank)).forEach((a, k) => {
          full[a] = roi![k]!;
          full[rank + a] = roi![axes.length + k]!;
        });
        roi = full;
      }
    }
    return [resampleBackward(ctx, g, xS, yS, scales, base, roi)];
  },
};
