/**
 * Clip: y = min(max(x, lo), hi); lo/hi are attributes `min`/`max` up to opset 10 and optional scalar
 * inputs 1/2 from opset 11 (ReLU6 exports as Clip(0, 6)). lo/hi themselves get no gradient here (they
 * are constants in every exporter's output). An absent bound imposes nothing; lo > hi gives 0
 * everywhere (y ≡ hi), as in PyTorch. The two conventions differ only exactly at a bound:
 *
 * - ReLU6, i.e. constant bounds lo = 0 and hi = 6 — what nn.ReLU6 / F.relu6 (hardtanh(0, 6)),
 *   tf.nn.relu6 and Keras ReLU(max_value=6) export (torchvision's MobileNetV2 among them):
 *   ∂L/∂x = g where 0 < x < 6, else 0 — STRICT at the bounds, ReLU6's own backward in every framework
 *   (PyTorch hardtanh_backward, TensorFlow Relu6Grad). Strict bounds can be read from the OUTPUT,
 *   0 < y < 6 ⇔ 0 < x < 6, so the backward graph does not read the pre-activation x and ONNX Runtime
 *   can fuse the producing Conv with the Clip (bench/README.md: the MobileNetV2 input gradient).
 * - Any other Clip is a clamp: ∂L/∂x = g where lo ≤ x ≤ hi — INCLUSIVE at the bounds, like
 *   torch.clamp's backward (clamp_backward: where(self >= min & self <= max, grad, 0)) and
 *   tf.clip_by_value; read from x, since an inclusive mask cannot be recovered from y. This matters for
 *   values sitting exactly on a bound, e.g. an input clamp(0, 1) of images with saturated pixels.
 *   (nn.Hardtanh with other bounds is strict in PyTorch; it exports to the same Clip and gets the
 *   clamp convention — the two differ only on that measure-zero set.)
 * Either mask gates g as g·float(mask) (emit-helpers.ts `maskGrad`).
 */
import type { GradContext, GradRule } from '../rule.ts';
import { greaterOrEqual, lessOrEqual, maskGrad, optionalInput } from '../emit-helpers.ts';
import { unaryRule } from './util/elementwise.ts';

/** Bounds of a Clip node as tensors of the backward graph (undefined: unbounded on that side). */
export function clipBounds(ctx: GradContext): { lo?: string; hi?: string } {
  if (ctx.opset < 11) {
    const lo = ctx.attrFloat('min');
    const hi = ctx.attrFloat('max');
    return { lo: lo === undefined ? undefined : ctx.constFloat(lo), hi: hi === undefined ? undefined : ctx.constFloat(hi) };
  }
  return { lo: optionalInput(ctx, 1), hi: optionalInput(ctx, 2) };
}

/** Constant value of one bound (attribute or scalar constant input), or undefined when absent or only known at run time. */
function constBound(ctx: GradContext, attr: 'min' | 'max', input: 1 | 2): number | undefined {
  if (ctx.opset < 11) return ctx.attrFloat(attr);
  const t = optionalInput(ctx, input);
  const v = t === undefined ? undefined : ctx.constValue(t);
  return v && v.values.length === 1 ? Number(v.values[0]) : undefined;
}

/** Whether this Clip is ReLU6: constant bounds exactly 0 and 6. */
export function isRelu6(ctx: GradContext): boolean {
  return constBound(ctx, 'min', 1) === 0 && constBound(ctx, 'max', 2) === 6;
}

/** Boolean clamp mask lo ≤ x ≤ hi (inclusive; undefined when Clip has no bounds at all). */
export function clipPassMask(ctx: GradContext, x: string): string | undefined {
  const { lo, hi } = clipBounds(ctx);
  const a = lo === undefined ? undefined : greaterOrEqual(ctx, x, lo);
  const b = hi === undefined ? undefined : lessOrEqual(ctx, x, hi);
  if (a && b) return ctx.emit('And', [a, b]);
  return a ?? b;
}

/** Boolean ReLU6 mask 0 < y < 6 from the Clip's output y (strict; equals 0 < x < 6). */
export function relu6PassMask(ctx: GradContext, y: string): string {
  return ctx.emit('And', [ctx.emit('Greater', [y, ctx.constFloat(0)]), ctx.emit('Less', [y, ctx.constFloat(6)])]);
}

export const clipGrad: GradRule = unaryRule('Clip', (ctx, { x, y, g }) => {
  const m = isRelu6(ctx) ? relu6PassMask(ctx, y()) : clipPassMask(ctx, x);
  return m === undefined ? g : maskGrad(ctx, m, g);
});
