/**
 * Add: z = a + b with numpy broadcasting.
 * VJP: ∂L/∂a = unbroadcast(g, shape(a)), ∂L/∂b = unbroadcast(g, shape(b)), where unbroadcast sums
 * g over the axes broadcasting added or stretched (util/unbroadcast.ts).
 */
import type { GradRule } from '../rule.ts';
import { binaryOperands } from './util/elementwise.ts';
import { unbroadcast } from './util/unbroadcast.ts';

export const addGrad: GradRule = {
  opType: 'Add',
  differentiableInputs: [0, 1],
  backward(ctx) {
    const o = binaryOperands(ctx);
    if (!o) return [undefined, undefined];
    return [
      ctx.needsGrad(0) ? unbroadcast(ctx, o.g, o.outShape, o.aShape) : undefined,
      ctx.needsGrad(1) ? unbroadcast(ctx, o.g, o.outShape, o.bShape) : undefined,
    ];
  },
};
