/**
 * Backward rule of ReduceMean (axes attribute < 18, axes input ≥ 18, keepdims, noop_with_empty_axes):
 * y = (1/m)·Σ_A x with m = Π_{a∈A} dims[a], so x̄ = broadcast(ȳ)/m.
 */
import { expand } from '../emit-helpers.ts';
import type { GradRule } from '../rule.ts';
import { keepDimsGrad, reduceAxes } from './reduce-util.ts';

export const reduceMeanGrad: GradRule = {
  opType: 'ReduceMean',
  differentiableInputs: [0],
  backward(ctx) {
    const g = ctx.gradOf(0)!;
    const xS = ctx.shape(ctx.node.input![0]!);
    const axes = reduceAxes(ctx, 18, xS.length);
    if (!axes) return [g];
    const m = axes.reduce((p, a) => p * xS[a]!, 1);
    const e = expand(ctx, keepDimsGrad(ctx, g, axes), xS);
    return [m === 1 ? e : ctx.emit('Mul', [e, ctx.constFloat(1 / m)])];
  },
};
