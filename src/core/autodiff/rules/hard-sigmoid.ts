/**
 * HardSigmoid: y = max(0, min(1, α·x + β)), α = 0.2, β = 0.5 by default.
 * VJP: ∂L/∂x = g · α where 0 < α·x + β < 1, else 0 (strict at the corners, like PyTorch's
 * hardsigmoid_backward, which passes only for −3 < x < 3).
 *
 * The strict condition is read from the OUTPUT, 0 < y < 1 ⇔ 0 < α·x + β < 1 (y is that value there
 * and a corner value elsewhere), so the backward graph does not read the pre-activation x and ONNX
 * Runtime can fuse the producing Conv with the HardSigmoid (MobileNetV3 squeeze-excite blocks). It is
 * also the forward's own rounding of α·x + β that decides, not a recomputation.
 */
import type { GradRule } from '../rule.ts';
import { unaryRule } from './util/elementwise.ts';
import { maskGrad } from '../emit-helpers.ts';

export const hardSigmoidGrad: GradRule = unaryRule('HardSigmoid', (ctx, { y, g }) => {
  const alpha = ctx.attrFloat('alpha', 0.2);
  const out = y();
  const inside = ctx.emit('And', [ctx.emit('Greater', [out, ctx.constFloat(0)]), ctx.emit('Less', [out, ctx.constFloat(1)])]);
  return maskGrad(ctx, inside, ctx.emit('Mul', [g, ctx.constFloat(alpha)]));
});
