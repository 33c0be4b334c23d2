/**
 * Split: (y₀, …, yₖ₋₁) = split(x; axis, sizes) with sizes from the `split` attribute (≤ opset 12), the
 * optional `split` input (≥ 13), `num_outputs` (≥ 18: ⌈d/k⌉ each, the last one smaller), or equal parts.
 * VJP: ∂L/∂x = concat(g₀, …, gₖ₋₁; axis), with zeros standing in for outputs no gradient reaches (their
 * shapes are derived from x's shape and the sizes, so unused outputs need no static shape).
 */
import { ConvlensError, ErrorCodes } from '../../errors.ts';
import type { GradContext, GradRule } from '../rule.ts';
import { normAxisChecked, optionalInput, requireConstInts, zeros } from '../emit-helpers.ts';

/** Extent of each output along the split axis. */
export function splitSizes(ctx: GradContext, dim: number): number[] {
  const k = ctx.node.output!.length;
  let sizes: number[] | undefined;
  if (ctx.opset < 13) sizes = ctx.attrInts('split');
  else {
    const s = optionalInput(ctx, 1);
    if (s !== undefined) sizes = requireConstInts(ctx, s, 'split sizes');
    else if (ctx.opset >= 18 && ctx.attrInt('num_outputs') !== undefined) {
      const n = ctx.attrInt('num_outputs', k);
      const chunk = Math.ceil(dim / n);
      sizes = Array.from({ length: n }, (_, i) => Math.max(0, Math.min(chunk, dim - i * chunk)));
    }
  }
  sizes ??= Array.from({ length: k }, () => dim / k);
  if (sizes.length !== k || sizes.reduce((a, b) => a + b, 0) !== dim || sizes.some((v) => !Number.isInteger(v))) {
    throw new ConvlensError(ErrorCodes.INVALID_GRAPH, `Split node "${ctx.node.name ?? ''}" (opset ${ctx.opset}): sizes [${sizes.join(', ')}] do not split an axis of ${dim} into ${k} outputs`, {
      details: { opType: 'Split', node: ctx.node.name },
    });
  }
  return sizes;
}

export const splitGrad: GradRule = {
  opType: 'Split',
  differentiableInputs: [0],
  backward(ctx) {
    const out: (string | undefined)[] = new Array(ctx.node.input?.length ?? 1).fill(undefined);
    if (!ctx.needsGrad(0)) return out;
    const outputs = ctx.node.output!;
    const grads = outputs.map((_, i) => ctx.gradOf(i));
    if (grads.every((g) => g === undefined)) return out;
    const xs = ctx.shape(ctx.node.input![0]);
    const axis = normAxisChecked(ctx, ctx.attrInt('axis', 0), xs.length);
    const sizes = splitSizes(ctx, xs[axis]);
    const parts = outputs.map((_, i) => grads[i] ?? zeros(ctx, xs.map((d, a) => (a === axis ? sizes[i] : d))));
    out[0] = parts.length === 1 ? parts[0] : ctx.emit('Concat', parts, { axis });
    return out;
  },
};
