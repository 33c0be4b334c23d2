/**
 * Cast: y = cast(x, to).  VJP: ∂L/∂x = cast(g, type(x)) when both x and y are float tensors (float32 ↔
 * float64); an integer or boolean x, or an integer/boolean y, carries no gradient (the cast is
 * piecewise constant or x is not differentiable).
 */
import type { GradRule } from '../rule.ts';
import { floatDataType, isFloat } from '../emit-helpers.ts';

export const castGrad: GradRule = {
  opType: 'Cast',
  differentiableInputs: [0],
  backward(ctx) {
    const g = ctx.gradOf(0);
    const x = ctx.node.input![0];
    if (g === undefined || !ctx.needsGrad(0) || !isFloat(ctx, x) || !isFloat(ctx, ctx.node.output![0])) return [undefined];
    const xt = ctx.elemType(x) as 'float32' | 'float64';
    // The upstream gradient lives in the output's type; bring it back to x's type (no-op cast skipped).
    if (xt === ctx.elemType(ctx.node.output![0])) return [g];
    return [ctx.emit('Cast', [g], { to: floatDataType(xt) })];
  },
};
