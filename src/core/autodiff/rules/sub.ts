/**
 * Sub: z = a − b with numpy broadcasting.
 * VJP: ∂L/∂a = unbroadcast(g, shape(a)), ∂L/∂b = −unbroadcast(g, shape(b)).
 * (The negation is applied after the reduction, on the smaller tensor.)
 */
import type { GradRule } from '../rule.ts';
import { binaryOperands } from './util/elementwise.ts';
import { unbroadcast } from './util/unbroadcast.ts';

export const subGrad: GradRule = {
  opType: 'Sub',
  differentiableInputs: [0, 1],
  backward(ctx) {
    const o = binaryOperands(ctx);
    if (!o) return [undefined, undefined];
    return [
      ctx.needsGrad(0) ? unbroadcast(ctx, o.g, o.outShape, o.aShape) : undefined,
      ctx.needsGrad(1) ? ctx.emit('Neg', [unbroadcast(ctx, o.g, o.outShape, o.bShape)]) : undefined,
    ];
  },
};
