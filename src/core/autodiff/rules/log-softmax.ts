/**
 * Backward rule of LogSoftmax: y = x − log Σ_A exp(x) over the normalized axes A (softmax-util.ts), so
 *   x̄ = ȳ − exp(y) ⊙ Σ_A ȳ   (keepdims sum; exp(y) is the softmax).
 */
import { reduceSum } from '../emit-helpers.ts';
import type { GradRule } from '../rule.ts';
import { softmaxAxes } from './softmax-util.ts';

export const logSoftmaxGrad: GradRule = {
  opType: 'LogSoftmax',
  differentiableInputs: [0],
  backward(ctx) {
    const g = ctx.gradOf(0)!;
    const y = ctx.forwardOutput(0);
    const axes = softmaxAxes(ctx, ctx.shape(ctx.node.input![0]!).length);
    const s = reduceSum(ctx, g, axes, true);
    return [ctx.emit('Sub', [g, ctx.emit('Mul', [ctx.emit('Exp', [y]), s])])];
  },
};
