/**
 * PRelu: y = x for x > 0, slope·x otherwise; slope broadcasts to x (unidirectionally).
 * VJP: ∂L/∂x = g where x > 0, g·slope otherwise;
 *      ∂L/∂slope = unbroadcast(where(x > 0, 0, g·x), shape(slope))  (PyTorch's prelu backward).
 */
import type { GradRule } from '../rule.ts';
import { select } from '../emit-helpers.ts';
import { unbroadcast } from './util/unbroadcast.ts';

export const preluGrad: GradRule = {
  opType: 'PRelu',
  differentiableInputs: [0, 1],
  backward(ctx) {
    const g = ctx.gradOf(0);
    if (g === undefined) return [undefined, undefined];
    const [x, slope] = ctx.node.input!;
    const pos = ctx.emit('Greater', [x, ctx.constFloat(0)]);
    const gx = ctx.needsGrad(0) ? select(ctx, pos, g, ctx.emit('Mul', [g, slope])) : undefined;
    let gs: string | undefined;
    if (ctx.needsGrad(1)) {
      const t = select(ctx, pos, undefined, ctx.emit('Mul', [g, x]));
      gs = unbroadcast(ctx, t, ctx.shape(ctx.node.output![0]), ctx.shape(slope));
    }
    return [gx, gs];
  },
};
