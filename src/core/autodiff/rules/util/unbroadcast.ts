/**
 * Numpy-broadcasting adjoint. When a forward op broadcast an input of shape `target` up to the output
 * shape `from`, the input's gradient is the upstream gradient summed over every broadcast axis:
 * the leading `from.length - target.length` axes, and each axis where `target` has size 1 but `from`
 * does not. That sum is a ReduceSum, followed by a Reshape back to `target` when size-1 axes were kept.
 * Shared by Add, Sub, Mul, Div, Pow, PRelu, Where and Expand.
 */
import type { GradContext } from '../../rule.ts';
import { reduceSum, reshape } from '../../emit-helpers.ts';

/** Axes of `from` that broadcasting to `from` from `target` added or stretched (ascending). */
export function broadcastAxes(from: readonly number[], target: readonly number[]): { lead: number[]; stretched: number[] } {
  const k = from.length - target.length;
  if (k < 0) throw new Error(`unbroadcast: target rank ${target.length} exceeds gradient rank ${from.length}`);
  const lead: number[] = [];
  for (let i = 0; i < k; i++) lead.push(i);
  const stretched: number[] = [];
  for (let i = 0; i < target.length; i++) {
    const t = target[i], f = from[k + i];
    if (t === f) continue;
    if (t !== 1) throw new Error(`unbroadcast: shape [${target.join(', ')}] does not broadcast to [${from.join(', ')}]`);
    stretched.push(k + i);
  }
  return { lead, stretched };
}

/**
 * Sums gradient `g` (static shape `from`) down to shape `target`. Returns `g` itself when nothing was
 * broadcast. Scalars (target = []) come back as rank-0 tensors.
 */
export function unbroadcast(ctx: GradContext, g: string, from: readonly number[], target: readonly number[]): string {
  const { lead, stretched } = broadcastAxes(from, target);
  if (lead.length === 0 && stretched.length === 0) return g;
  if (stretched.length === 0) return reduceSum(ctx, g, lead, false); // result is exactly `target`
  const summed = reduceSum(ctx, g, [...lead, ...stretched], true);
  return reshape(ctx, summed, target, from.map((d, i) => (i < lead.length || stretched.includes(i) ? 1 : d)));
}
