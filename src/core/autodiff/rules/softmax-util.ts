/**
 * Axis semantics shared by the Softmax and LogSoftmax rules. Opset ≥ 13: the op normalizes along one
 * `axis` (default −1). Opset < 13: the input is coerced to 2-D [Π dims[:axis], Π dims[axis:]] (axis
 * default 1) and the op normalizes each row — i.e. over ALL trailing axes from `axis` on.
 * Either way the backward works on a view where the normalized axes are reduced with keepdims.
 */
import { normAxis } from '../emit-helpers.ts';
import type { GradContext } from '../rule.ts';

/** Axes the op normalizes over, for an input of rank `rank`. */
export function softmaxAxes(ctx: GradContext, rank: number): number[] {
  if (ctx.opset >= 13) return [normAxis(ctx.attrInt('axis', -1), rank)];
  const axis = normAxis(ctx.attrInt('axis', 1), rank);
  return Array.from({ length: rank - axis }, (_, i) => axis + i);
}
