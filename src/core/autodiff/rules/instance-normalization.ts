/**
 * Backward rule of InstanceNormalization: y = γ_c·x̂ + β_c with x̂ normalized over the spatial axes of
 * each (n, c). With ĝ = ȳ·γ:  x̄ = r·(ĝ − mean(ĝ) − x̂·mean(ĝ·x̂)) (norm-util.ts);
 * γ̄ = Σ_{n,sp} ȳ·x̂;  β̄ = Σ_{n,sp} ȳ.
 */
import { numel, reduceSum, reshape } from '../emit-helpers.ts';
import type { GradRule } from '../rule.ts';
import { normalize, normalizeBackward } from './norm-util.ts';

export const instanceNormalizationGrad: GradRule = {
  opType: 'InstanceNormalization',
  differentiableInputs: [0, 1, 2],
  backward(ctx) {
    const g = ctx.gradOf(0)!;
    const [x, scale] = ctx.node.input!;
    const xS = ctx.shape(x!);
    const C = xS[1]!;
    const bc = [C, ...new Array<number>(xS.length - 2).fill(1)];
    const spAxes = Array.from({ length: xS.length - 2 }, (_, i) => i + 2);
    const m = numel(xS.slice(2));
    const { xhat, r } = normalize(ctx, x!, spAxes, m, ctx.attrFloat('epsilon', 1e-5));
    const res: (string | undefined)[] = [undefined, undefined, undefined];
    if (ctx.needsGrad(0)) res[0] = normalizeBackward(ctx, ctx.emit('Mul', [g, reshape(ctx, scale!, bc)]), xhat, r, spAxes, m);
    if (ctx.needsGrad(1)) res[1] = reduceSum(ctx, ctx.emit('Mul', [g, xhat]), [0, ...spAxes], false);
    if (ctx.needsGrad(2)) res[2] = reduceSum(ctx, g, [0, ...spAxes], false);
    return res;
  },
};
