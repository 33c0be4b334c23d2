/**
 * Backward rule of LayerNormalization (opset 17): y = x̂·γ + β with x̂ normalized over axes
 * [axis, rank). With ĝ = ȳ·γ:  x̄ = r·(ĝ − mean(ĝ) − x̂·mean(ĝ·x̂)) (the full formula, norm-util.ts);
 * γ̄ = ȳ·x̂ and β̄ = ȳ summed down to their (broadcast) shapes. Gradients of the optional Mean and
 * InvStdDev outputs are not supported (they are statistics, not activations; exporters never feed them on).
 */
import { ConvlensError, ErrorCodes } from '../../errors.ts';
import { normAxis, numel, sumToShape } from '../emit-helpers.ts';
import type { GradRule } from '../rule.ts';
import { normalize, normalizeBackward } from './norm-util.ts';

export const layerNormalizationGrad: GradRule = {
  opType: 'LayerNormalization',
  differentiableInputs: [0, 1, 2],
  backward(ctx) {
    if (ctx.gradOf(1) !== undefined || ctx.gradOf(2) !== undefined) {
      throw new ConvlensError(ErrorCodes.UNSUPPORTED_OP, `LayerNormalization node "${ctx.node.name ?? ''}": gradients through its Mean/InvStdDev outputs are not supported`);
    }
    const g = ctx.gradOf(0)!;
    const [x, scale, bias] = ctx.node.input!;
    const xS = ctx.shape(x!);
    const axis = normAxis(ctx.attrInt('axis', -1), xS.length);
    const axes = Array.from({ length: xS.length - axis }, (_, i) => axis + i);
    const m = numel(xS.slice(axis));
    const { xhat, r } = normalize(ctx, x!, axes, m, ctx.attrFloat('epsilon', 1e-5));
    const res: (string | undefined)[] = [undefined, undefined, undefined];
    if (ctx.needsGrad(0)) res[0] = normalizeBackward(ctx, ctx.emit('Mul', [g, scale!]), xhat, r, axes, m);
    if (ctx.needsGrad(1)) res[1] = sumToShape(ctx, ctx.emit('Mul', [g, xhat]), xS, ctx.shape(scale!));
    if (bias && ctx.needsGrad(2)) res[2] = sumToShape(ctx, g, xS, ctx.shape(bias));
    return res;
  },
};
