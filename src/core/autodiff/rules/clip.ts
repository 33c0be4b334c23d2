/**
 * Clip: y = min(max(x, lo), hi); lo/hi are attributes `min`/`max` up to opset 10 and optional scalar
 * inputs 1/2 from opset 11 (ReLU6 exports as Clip(0, 6)).
 * VJP: ∂L/∂x = g where lo ≤ x ≤ hi, else 0 — inclusive at the bounds, matching torch.clamp's backward
 * (clamp_backward: where(self >= min & self <= max, grad, 0)); an absent bound imposes nothing, and
 * lo > hi gives 0 everywhere (y ≡ hi), as in PyTorch. (nn.ReLU6/Hardtanh is strict at the bounds in
 * PyTorch; the two differ only on a measure-zero set.)
 * lo/hi themselves get no gradient here (they are constants in every exporter's output).
 */
import type { GradContext, GradRule } from '../rule.ts';
import { greaterOrEqual, lessOrEqual, optionalInput, select } from './util/opset-ops.ts';
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

/** Boolean mask lo ≤ x ≤ hi (undefined when Clip has no bounds at all). */
export function clipPassMask(ctx: GradContext, x: string): string | undefined {
  const { lo, hi } = clipBounds(ctx);
  const a = lo === undefined ? undefined : greaterOrEqual(ctx, x, lo);
  const b = hi === undefined ? undefined : lessOrEqual(ctx, x, hi);
  if (a && b) return ctx.emit('And', [a, b]);
  return a ?? b;
}

export const clipGrad: GradRule = unaryRule('Clip', (ctx, { x, g }) => {
  const m = clipPassMask(ctx, x);
  return m === undefined ? g : select(ctx, m, g, undefined);
});
