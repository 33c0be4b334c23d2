/**
 * Transpose: y = transpose(x, perm) (perm defaults to reversing the axes), i.e. y.shape[i] = x.shape[perm[i]].
 * VJP: ∂L/∂x = transpose(g, perm⁻¹) where perm⁻¹[perm[i]] = i.
 */
import type { GradRule } from '../rule.ts';

export const transposeGrad: GradRule = {
  opType: 'Transpose',
  differentiableInputs: [0],
  backward(ctx) {
    const g = ctx.gradOf(0);
    if (g === undefined || !ctx.needsGrad(0)) return [undefined];
    const rank = ctx.shape(ctx.node.input![0]).length;
    const perm = ctx.attrInts('perm') ?? Array.from({ length: rank }, (_, i) => rank - 1 - i);
    const inv = new Array<number>(rank);
    perm.forEach((p, i) => { inv[p < 0 ? p + rank : p] = i; });
    if (inv.every((p, i) => p === i)) return [g];
    return [ctx.emit('Transpose', [g], { perm: { ints: inv } })];
  },
};
