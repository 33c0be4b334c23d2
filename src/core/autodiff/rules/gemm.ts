/**
 * Backward rule of Gemm: Y = α·A'·B' + β·C with A' = transA ? Aᵀ : A, B' = transB ? Bᵀ : B.
 *   Ā' = α·Ȳ·B'ᵀ  (so Ā = transA ? α·B'·Ȳᵀ : α·Ȳ·B'ᵀ),
 *   B̄' = α·A'ᵀ·Ȳ  (so B̄ = transB ? α·Ȳᵀ·A' : α·A'ᵀ·Ȳ),
 *   C̄ = β·(Ȳ summed over the axes C was broadcast along).
 * Emitted as Gemm without C at opset ≥ 11 (C became optional there), MatMul + Transpose + Mul before.
 */
import { sumToShape } from '../emit-helpers.ts';
import type { GradContext, GradRule } from '../rule.ts';

/** op(P)·op(Q)·alpha as one Gemm (opset ≥ 11) or MatMul/Transpose/Mul. */
function product(ctx: GradContext, p: string, tp: boolean, q: string, tq: boolean, alpha: number): string {
  if (ctx.onnxOpset >= 11) return ctx.emit('Gemm', [p, q], { transA: tp ? 1 : 0, transB: tq ? 1 : 0, alpha: alpha === 1 ? undefined : { float: alpha } });
  const pp = tp ? ctx.emit('Transpose', [p], { perm: [1, 0] }) : p;
  const qq = tq ? ctx.emit('Transpose', [q], { perm: [1, 0] }) : q;
  const r = ctx.emit('MatMul', [pp, qq]);
  return alpha === 1 ? r : ctx.emit('Mul', [r, ctx.constFloat(alpha)]);
}

export const gemmGrad: GradRule = {
  opType: 'Gemm',
  differentiableInputs: [0, 1, 2],
  backward(ctx) {
    const g = ctx.gradOf(0)!;
    const [a, b, c] = ctx.node.input!;
    const transA = ctx.attrInt('transA', 0) === 1;
    const transB = ctx.attrInt('transB', 0) === 1;
    const alpha = ctx.attrFloat('alpha', 1);
    const beta = ctx.attrFloat('beta', 1);
    const res: (string | undefined)[] = [undefined, undefined, undefined];
    if (ctx.needsGrad(0)) {
      // transA=0: Ā = α Ȳ B'ᵀ, B'ᵀ = transB ? B : Bᵀ.   transA=1: Ā = α B' Ȳᵀ.
      res[0] = transA ? product(ctx, b!, transB, g, true, alpha) : product(ctx, g, false, b!, !transB, alpha);
    }
    if (ctx.needsGrad(1)) {
      // transB=0: B̄ = α A'ᵀ Ȳ, A'ᵀ = transA ? A : Aᵀ.   transB=1: B̄ = α Ȳᵀ A'.
      res[1] = transB ? product(ctx, g, true, a!, transA, alpha) : product(ctx, a!, !transA, g, false, alpha);
    }
    if (c && ctx.needsGrad(2)) {
      const yShape = ctx.shape(ctx.node.output![0]!);
      let gc = sumToShape(ctx, g, yShape, ctx.shape(c));
      if (beta !== 1) gc = ctx.emit('Mul', [gc, ctx.constFloat(beta)]);
      res[2] = gc;
    }
    return res;
  },
};
