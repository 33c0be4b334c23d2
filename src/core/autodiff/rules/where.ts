/**
 * Where: y = cond ? a : b with numpy broadcasting of all three.
 * VJP: ∂L/∂a = unbroadcast(where(cond, g, 0), shape(a)), ∂L/∂b = unbroadcast(where(cond, 0, g), shape(b));
 * the boolean condition (input 0) is not differentiable.
 */
import type { GradRule } from '../rule.ts';
import { unbroadcast } from './util/unbroadcast.ts';

export const whereGrad: GradRule = {
  opType: 'Where',
  differentiableInputs: [1, 2],
  backward(ctx) {
    const g = ctx.gradOf(0);
    if (g === undefined) return [undefined, undefined, undefined];
    const [cond, a, b] = ctx.node.input!;
    const outShape = ctx.shape(ctx.node.output![0]);
    const zero = ctx.constFloat(0);
    // where(cond, g, 0) has shape broadcast(cond, g) = outShape, since cond's shape broadcasts into it.
    const ga = ctx.needsGrad(1) ? unbroadcast(ctx, ctx.emit('Where', [cond, g, zero]), outShape, ctx.shape(a)) : undefined;
    const gb = ctx.needsGrad(2) ? unbroadcast(ctx, ctx.emit('Where', [cond, zero, g]), outShape, ctx.shape(b)) : undefined;
    return [undefined, ga, gb];
  },
};
