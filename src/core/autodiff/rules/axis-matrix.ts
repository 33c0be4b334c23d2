/**
 * Applies the transpose of a per-axis linear map: for a forward op that acts on axis `a` as
 * y[..., j, ...] = Σ_i M[j, i]·x[..., i, ...] (M constant, [out × in]), the VJP is
 * x̄[..., i, ...] = Σ_j ȳ[..., j, ...]·M[j, i] — one MatMul with M (last axis), with Mᵀ from the left
 * (second-to-last axis), or Transpose + MatMul + Transpose (other axes). Used by Resize/Upsample
 * (separable interpolation matrices) and Pad (reflect/edge/wrap gather matrices); exact for every mode.
 */
import { invertPerm, transpose } from '../emit-helpers.ts';
import type { GradContext } from '../rule.ts';

/** True when M is the identity (out = in, M[j, j] = 1, zeros elsewhere). */
export function isIdentity(m: Float64Array, out: number, inn: number): boolean {
  if (out !== inn) return false;
  for (let j = 0; j < out; j++) for (let i = 0; i < inn; i++) if (m[j * inn + i] !== (i === j ? 1 : 0)) return false;
  return true;
}

/** x̄ along `axis` from ȳ (shape `gShape`, gShape[axis] = out) and M [out × in]. Returns the new tensor. */
export function applyAxisMatrixT(ctx: GradContext, g: string, gShape: number[], axis: number, m: Float64Array, out: number, inn: number): string {
  const rank = gShape.length;
  if (axis === rank - 1) return ctx.emit('MatMul', [g, ctx.constFloat(Array.from(m), [out, inn])]);
  const mt = new Array<number>(inn * out);
  for (let j = 0; j < out; j++) for (let i = 0; i < inn; i++) mt[i * out + j] = m[j * inn + i]!;
  if (axis === rank - 2) return ctx.emit('MatMul', [ctx.constFloat(mt, [inn, out]), g]);
  const perm = Array.from({ length: rank }, (_, i) => i).filter((i) => i !== axis);
  perm.push(axis);
  const t = transpose(ctx, g, perm);
  const r = ctx.emit('MatMul', [t, ctx.constFloat(Array.from(m), [out, inn])]);
  return transpose(ctx, r, invertPerm(perm));
}
