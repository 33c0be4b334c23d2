/**
 * Backward rule of Softmax: y = exp(x)/Σ_A exp(x) over the normalized axes A (softmax-util.ts: one axis
 * at opset ≥ 13, all axes from `axis` on before), so
 *   x̄ = y ⊙ (ȳ − Σ_A (ȳ ⊙ y))   (keepdims sum).
 */
import { reduceSum } from '../emit-helpers.ts';
import type { GradRule } from '../rule.ts';
import { softmaxAxes } from './softmax-util.ts';

export const softmaxGrad: GradRule = {
  opType: 'Softmax',
  differentiableInputs: [0],
  backward(ctx) {
    const g = ctx.gradOf(0)!;
    const y = ctx.forwardOutput(0);
    const axes = softmaxAxes(ctx, ctx.shape(ctx.node.input![0]!).length);
    const gy = ctx.emit('Mul', [g, y]);
    const s = reduceSum(ctx, gy, axes, true);
    return [ctx.emit('Sub', [gy, ctx.emit('Mul', [y, s])])];
  },
};
