/**
 * Backward rule of LRN (local response normalization across channels):
 *   s_c = bias + (α/size)·Σ_{c' ∈ W(c)} x_{c'}²,  W(c) = [c − ⌊(size−1)/2⌋, c + ⌈(size−1)/2⌉],  y_c = x_c·s_c^{−β}
 *   x̄_j = ȳ_j·s_j^{−β} − (2αβ/size)·x_j·Σ_{c: j ∈ W(c)} ȳ_c·x_c·s_c^{−β−1}.
 * Both window sums are a Conv over the channel axis (x reshaped to [N, 1, C, rest]) with a ones kernel
 * [1, 1, size, 1]; the second uses the mirrored pads (the transpose window).
 */
import { numel, reshape } from '../emit-helpers.ts';
import type { GradContext, GradRule } from '../rule.ts';

function channelWindowSum(ctx: GradContext, t: string, shape4: number[], size: number, before: number, after: number): string {
  const ones = ctx.constFloat(new Array<number>(size).fill(1), [1, 1, size, 1]);
  return ctx.emit('Conv', [reshape(ctx, t, shape4), ones], { kernel_shape: [size, 1], pads: [before, 0, after, 0] });
}

export const lrnGrad: GradRule = {
  opType: 'LRN',
  differentiableInputs: [0],
  backward(ctx) {
    const g = ctx.gradOf(0)!;
    const x = ctx.node.input![0]!;
    const xS = ctx.shape(x);
    const size = ctx.attrInt('size', 1);
    const alpha = ctx.attrFloat('alpha', 1e-4);
    const beta = ctx.attrFloat('beta', 0.75);
    const bias = ctx.attrFloat('bias', 1);
    const lo = Math.floor((size - 1) / 2);
    const hi = Math.ceil((size - 1) / 2);
    const shape4 = [xS[0]!, 1, xS[1]!, numel(xS.slice(2))];
    const sq = ctx.emit('Mul', [x, x]);
    const s4 = ctx.emit('Add', [ctx.emit('Mul', [channelWindowSum(ctx, sq, shape4, size, lo, hi), ctx.constFloat(alpha / size)]), ctx.constFloat(bias)]);
    const s = reshape(ctx, s4, xS);
    const sPowB = ctx.emit('Pow', [s, ctx.constFloat(-beta)]);
    const direct = ctx.emit('Mul', [g, sPowB]);
    const t = ctx.emit('Mul', [ctx.emit('Mul', [g, x]), ctx.emit('Div', [sPowB, s])]); // ȳ·x·s^{−β−1}
    const back = reshape(ctx, channelWindowSum(ctx, t, shape4, size, hi, lo), xS);
    const cross = ctx.emit('Mul', [ctx.emit('Mul', [back, x]), ctx.constFloat((2 * alpha * beta) / size)]);
    return [ctx.emit('Sub', [direct, cross])];
  },
};
