/**
 * Shared math of the normalization backward rules (InstanceNormalization, LayerNormalization): for
 * x̂ = (x − μ)·r over a set of axes A (|A| = m elements, μ and σ² the biased mean/variance over A,
 * r = 1/√(σ² + ε)) and an upstream gradient ĝ of x̂,
 *   x̄ = r·(ĝ − mean_A(ĝ) − x̂·mean_A(ĝ·x̂))
 * (the full formula, including the dependence of μ and σ² on x). μ and r are recomputed in the backward
 * graph from x with ReduceSum (so no opset-dependent ReduceMean form is needed).
 */
import { reduceSum } from '../emit-helpers.ts';
import type { GradContext } from '../rule.ts';

/** Emits x̂ and r (keepdims over `axes`). */
export function normalize(ctx: GradContext, x: string, axes: number[], m: number, eps: number): { xhat: string; r: string } {
  const inv = ctx.constFloat(1 / m);
  const mu = ctx.emit('Mul', [reduceSum(ctx, x, axes, true), inv]);
  const xc = ctx.emit('Sub', [x, mu]);
  const v = ctx.emit('Mul', [reduceSum(ctx, ctx.emit('Mul', [xc, xc]), axes, true), inv]);
  const r = ctx.emit('Reciprocal', [ctx.emit('Sqrt', [ctx.emit('Add', [v, ctx.constFloat(eps)])])]);
  return { xhat: ctx.emit('Mul', [xc, r]), r };
}

/** x̄ = r·(ĝ − mean(ĝ) − x̂·mean(ĝ·x̂)) over `axes`. */
export function normalizeBackward(ctx: GradContext, ghat: string, xhat: string, r: string, axes: number[], m: number): string {
  const inv = ctx.constFloat(1 / m);
  const meanG = ctx.emit('Mul', [reduceSum(ctx, ghat, axes, true), inv]);
  const meanGX = ctx.emit('Mul', [reduceSum(ctx, ctx.emit('Mul', [ghat, xhat]), axes, true), inv]);
  const inner = ctx.emit('Sub', [ctx.emit('Sub', [ghat, meanG]), ctx.emit('Mul', [xhat, meanGX])]);
  return ctx.emit('Mul', [inner, r]);
}
