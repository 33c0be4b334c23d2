/**
 * Expand: y = broadcast(x, shape) (numpy rules in both directions: y.shape = broadcast(x.shape, shape)).
 * VJP: ∂L/∂x = unbroadcast(g, shape(x)): ReduceSum over the prepended and stretched axes, then
 * Reshape. The shape input is integer data and gets no gradient.
 */
import type { GradRule } from '../rule.ts';
import { unbroadcast } from './util/unbroadcast.ts';

export const expandGrad: GradRule = {
  opType: 'Expand',
  differentiableInputs: [0],
  backward(ctx) {
    const g = ctx.gradOf(0);
    if (g === undefined || !ctx.needsGrad(0)) return [undefined, undefined];
    const x = ctx.node.input![0];
    return [unbroadcast(ctx, g, ctx.shape(ctx.node.output![0]), ctx.shape(x)), undefined];
  },
};
