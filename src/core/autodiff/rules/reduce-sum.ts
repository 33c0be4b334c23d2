/**
 * Backward rule of ReduceSum (axes attribute < 13, axes input ≥ 13, keepdims, noop_with_empty_axes):
 * y = Σ_A x, so x̄ = broadcast(ȳ with A kept as size-1 axes) to x's shape.
 */
import { expand } from '../emit-helpers.ts';
import type { GradRule } from '../rule.ts';
import { keepDimsGrad, reduceAxes } from './reduce-util.ts';

export const reduceSumGrad: GradRule = {
  opType: 'ReduceSum',
  differentiableInputs: [0],
  backward(ctx) {
    const g = ctx.gradOf(0)!;
    const xS = ctx.shape(ctx.node.input![0]!);
    const axes = reduceAxes(ctx, 13, xS.length);
    if (!axes) return [g];
    return [expand(ctx, keepDimsGrad(ctx, g, axes), xS)];
  },
};
