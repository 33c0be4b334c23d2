/**
 * Relu: y = max(0, x).  VJP: ∂L/∂x = g where x > 0, else 0 (0 at x = 0, like PyTorch's
 * threshold_backward).
 *
 * The mask is read from the OUTPUT: y > 0 ⇔ x > 0 exactly (y = x there, and y = 0 wherever x ≤ 0), so
 * the values are those of the x-based mask, but the backward graph no longer reads the pre-activation
 * x — which lets ONNX Runtime fuse the producing Conv with this Relu (a tensor read by another node
 * cannot be fused away). The mask gates g as g·float(y > 0) (emit-helpers.ts `maskGrad`).
 */
import type { GradRule } from '../rule.ts';
import { unaryRule } from './util/elementwise.ts';
import { maskGrad } from '../emit-helpers.ts';

export const reluGrad: GradRule = unaryRule('Relu', (ctx, { y, g }) =>
  maskGrad(ctx, ctx.emit('Greater', [y(), ctx.constFloat(0)]), g));
