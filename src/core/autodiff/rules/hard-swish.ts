/**
 * HardSwish (opset 14): y = x · max(0, min(1, x/6 + 1/2)).
 * VJP (PyTorch's hardswish_backward, boundaries included):
 *   ∂L/∂x = 0 for x < −3;  g · (x/3 + 1/2) for −3 ≤ x ≤ 3;  g for x > 3.
 */
import type { GradContext, GradRule } from '../rule.ts';
import { unaryRule } from './util/elementwise.ts';

/** The local derivative of HardSwish times g (shared with the guided rule set). */
export function hardSwishVjp(ctx: GradContext, x: string, g: string): string {
  const mid = ctx.emit('Mul', [g, ctx.emit('Add', [ctx.emit('Div', [x, ctx.constFloat(3)]), ctx.constFloat(0.5)])]);
  const upper = ctx.emit('Where', [ctx.emit('Greater', [x, ctx.constFloat(3)]), g, mid]);
  return ctx.emit('Where', [ctx.emit('Less', [x, ctx.constFloat(-3)]), ctx.constFloat(0), upper]);
}

export const hardSwishGrad: GradRule = unaryRule('HardSwish', (ctx, { x, g }) => hardSwishVjp(ctx, x, g));
