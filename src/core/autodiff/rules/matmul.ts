/**
 * Backward rule of MatMul (numpy semantics: batched, broadcasting, 1-D operands promoted and the
 * promoted axis removed): for Y = A·B,
 *   Ā = Ȳ·Bᵀ summed over the batch axes A was broadcast along,
 *   B̄ = Aᵀ·Ȳ summed over the batch axes B was broadcast along.
 * A 1-D A is treated as [1, K] and a 1-D B as [K, 1]; Ȳ is reshaped to re-insert the removed axis.
 */
import { reshape, sumToShape } from '../emit-helpers.ts';
import type { GradContext, GradRule } from '../rule.ts';

function swapLast(ctx: GradContext, x: string, rank: number): string {
  const perm = Array.from({ length: rank }, (_, i) => i);
  [perm[rank - 1], perm[rank - 2]] = [perm[rank - 2]!, perm[rank - 1]!];
  return ctx.emit('Transpose', [x], { perm });
}

export const matMulGrad: GradRule = {
  opType: 'MatMul',
  differentiableInputs: [0, 1],
  backward(ctx) {
    const g = ctx.gradOf(0)!;
    const [a, b] = ctx.node.input!;
    const aS = ctx.shape(a!);
    const bS = ctx.shape(b!);
    const yS = ctx.shape(ctx.node.output![0]!);
    const a2S = aS.length === 1 ? [1, aS[0]!] : aS;
    const b2S = bS.length === 1 ? [bS[0]!, 1] : bS;
    const batch = yS.slice(0, yS.length - (aS.length === 1 ? 0 : 1) - (bS.length === 1 ? 0 : 1));
    const y2S = [...batch, a2S[a2S.length - 2]!, b2S[b2S.length - 1]!];
    const g2 = y2S.length === yS.length ? g : reshape(ctx, g, y2S);
    const a2 = aS.length === 1 ? reshape(ctx, a!, a2S) : a!;
    const b2 = bS.length === 1 ? reshape(ctx, b!, b2S) : b!;
    const res: (string | undefined)[] = [undefined, undefined];
    if (ctx.needsGrad(0)) {
      const full = ctx.emit('MatMul', [g2, swapLast(ctx, b2, b2S.length)]); // [...batch, M, K]
      const fullS = [...batch, a2S[a2S.length - 2]!, a2S[a2S.length - 1]!];
      let da = sumToShape(ctx, full, fullS, a2S);
      if (aS.length === 1) da = reshape(ctx, da, aS);
      res[0] = da;
    }
    if (ctx.needsGrad(1)) {
      const full = ctx.emit('MatMul', [swapLast(ctx, a2, a2S.length), g2]); // [...batch, K, N]
      const fullS = [...batch, b2S[b2S.length - 2]!, b2S[b2S.length - 1]!];
      let db = sumToShape(ctx, full, fullS, b2S);
      if (bS.length === 1) db = reshape(ctx, db, bS);
      res[1] = db;
    }
    return res;
  },
};
