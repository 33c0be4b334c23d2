/**
 * Backward rule of GlobalAveragePool: y[n,c] = (1/|S|)·Σ_s x[n,c,s], so x̄ = broadcast(ȳ)/|S|
 * (Expand over the spatial axes, times the constant 1/|S|).
 */
import { expand, numel } from '../emit-helpers.ts';
import type { GradRule } from '../rule.ts';

export const globalAveragePoolGrad: GradRule = {
  opType: 'GlobalAveragePool',
  differentiableInputs: [0],
  backward(ctx) {
    const g = ctx.gradOf(0)!;
    const xS = ctx.shape(ctx.node.input![0]!);
    const spatial = numel(xS.slice(2));
    const e = expand(ctx, g, xS);
    return [spatial === 1 ? e : ctx.emit('Mul', [e, ctx.constFloat(1 / spatial)])];
  },
};
