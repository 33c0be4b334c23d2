/**
 * Backward rule of GlobalMaxPool: y[n,c] = max_s x[n,c,s]; x̄[n,c,s] = ȳ[n,c]·[s = s*(n,c)] where s* is
 * the FIRST arg-max in row-major order (ArgMax with select_last_index = 0): ties have exactly one
 * winner, like PyTorch's max-pooling gradient.
 */
import { numel, reshape } from '../emit-helpers.ts';
import type { GradRule } from '../rule.ts';

export const globalMaxPoolGrad: GradRule = {
  opType: 'GlobalMaxPool',
  differentiableInputs: [0],
  backward(ctx) {
    const g = ctx.gradOf(0)!;
    const x = ctx.node.input![0]!;
    const xS = ctx.shape(x);
    const [N, C] = xS as [number, number];
    const S = numel(xS.slice(2));
    const flat = reshape(ctx, x, [N, C, S]);
    const arg = ctx.emit('ArgMax', [flat], { axis: 2, keepdims: 1 }); // [N, C, 1] int64
    const pos = ctx.constInt64(Array.from({ length: S }, (_, i) => i), [1, 1, S]);
    const mask = ctx.emit('Equal', [arg, pos]); // [N, C, S]
    const g3 = reshape(ctx, g, [N, C, 1]);
    const picked = ctx.emit('Where', [mask, g3, ctx.constFloat(0)]);
    return [reshape(ctx, picked, xS)];
  },
};
