/**
 * Div: z = a / b with numpy broadcasting.
 * VJP: ∂L/∂a = unbroadcast(g / b, shape(a)), ∂L/∂b = unbroadcast(−g · z / b, shape(b))  (= −g·a/b²,
 * written with the forward output z so that no square is formed).
 */
import type { GradRule } from '../rule.ts';
import { binaryOperands } from './util/elementwise.ts';
import { unbroadcast } from './util/unbroadcast.ts';

export const divGrad: GradRule = {
  opType: 'Div',
  differentiableInputs: [0, 1],
  backward(ctx) {
    const o = binaryOperands(ctx);
    if (!o) return [undefined, undefined];
    const gOverB = ctx.needsGrad(0) || ctx.needsGrad(1) ? ctx.emit('Div', [o.g, o.b]) : undefined;
    let gb: string | undefined;
    if (ctx.needsGrad(1)) {
      const t = ctx.emit('Mul', [gOverB!, ctx.forwardOutput(0)]);
      gb = ctx.emit('Neg', [unbroadcast(ctx, t, o.outShape, o.bShape)]);
    }
    return [ctx.needsGrad(0) ? unbroadcast(ctx, gOverB!, o.outShape, o.aShape) : undefined, gb];
  },
};
