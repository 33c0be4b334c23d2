/**
 * Relu: y = max(0, x).  VJP: ∂L/∂x = g where x > 0, else 0 (0 at x = 0, like PyTorch's
 * threshold_backward).
 */
import type { GradRule } from '../rule.ts';
import { unaryRule } from './util/elementwise.ts';
import { select } from './util/opset-ops.ts';

export const reluGrad: GradRule = unaryRule('Relu', (ctx, { x, g }) =>
  select(ctx, ctx.emit('Greater', [x, ctx.constFloat(0)]), g, undefined));
