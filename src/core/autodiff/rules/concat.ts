/**
 * Concat: y = concat(x₀, …, xₙ₋₁; axis).  VJP: ∂L/∂xᵢ = g[..., offᵢ : offᵢ + shape(xᵢ)[axis], ...] along
 * `axis`, where offᵢ is the summed extent of the inputs before i (one Slice per input that needs it).
 */
import type { GradRule } from '../rule.ts';
import { normAxisChecked, slice } from '../emit-helpers.ts';

export const concatGrad: GradRule = {
  opType: 'Concat',
  backward(ctx) {
    const inputs = ctx.node.input!;
    const out: (string | undefined)[] = new Array(inputs.length).fill(undefined);
    const g = ctx.gradOf(0);
    if (g === undefined) return out;
    const outShape = ctx.shape(ctx.node.output![0]);
    const axis = normAxisChecked(ctx, ctx.attrInt('axis', 0), outShape.length);
    let off = 0;
    inputs.forEach((x, i) => {
      const len = ctx.shape(x)[axis];
      if (ctx.needsGrad(i)) out[i] = len === outShape[axis] ? g : slice(ctx, g, [off], [off + len], [axis]);
      off += len;
    });
    return out;
  },
};
