/**
 * Mul: z = a · b with numpy broadcasting.
 * VJP: ∂L/∂a = unbroadcast(g · b, shape(a)), ∂L/∂b = unbroadcast(g · a, shape(b)).
 * Also covers x·x (both gradients go to the same tensor; the compiler sums them) and the Mul nodes of
 * PyTorch's opset < 20 GELU (x · 0.5 · (1 + erf(x/√2))) and SiLU (x · sigmoid(x)) exports.
 */
import type { GradRule } from '../rule.ts';
import { binaryOperands } from './util/elementwise.ts';
import { unbroadcast } from './util/unbroadcast.ts';

export const mulGrad: GradRule = {
  opType: 'Mul',
  differentiableInputs: [0, 1],
  backward(ctx) {
    const o = binaryOperands(ctx);
    if (!o) return [undefined, undefined];
    return [
      ctx.needsGrad(0) ? unbroadcast(ctx, ctx.emit('Mul', [o.g, o.b]), o.outShape, o.aShape) : undefined,
      ctx.needsGrad(1) ? unbroadcast(ctx, ctx.emit('Mul', [o.g, o.a]), o.outShape, o.bShape) : undefined,
    ];
  },
};
