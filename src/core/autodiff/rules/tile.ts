/**
 * Tile: y = tile(x, repeats), y.shape[i] = rᵢ·dᵢ with y[..., j, ...] = x[..., j mod dᵢ, ...].
 * VJP: ∂L/∂x = Σ over the copies: reshape g from [r₀d₀, r₁d₁, …] to [r₀, d₀, r₁, d₁, …] (splitting only
 * axes with rᵢ > 1), ReduceSum over the rᵢ axes, reshape to shape(x). Repeats are read off the static
 * shapes (rᵢ = y.shape[i] / x.shape[i]); the repeats input gets no gradient.
 */
import type { GradRule } from '../rule.ts';
import { reduceSum, reshape } from '../emit-helpers.ts';

export const tileGrad: GradRule = {
  opType: 'Tile',
  differentiableInputs: [0],
  backward(ctx) {
    const g = ctx.gradOf(0);
    if (g === undefined || !ctx.needsGrad(0)) return [undefined, undefined];
    const x = ctx.node.input![0];
    const xs = ctx.shape(x), ys = ctx.shape(ctx.node.output![0]);
    const split: number[] = [];
    const axes: number[] = [];
    xs.forEach((d, i) => {
      const r = d === 0 ? 1 : ys[i] / d;
      if (r > 1) { axes.push(split.length); split.push(r); }
      split.push(d);
    });
    if (axes.length === 0) return [g, undefined];
    // keepdims = 0 over the repeat axes leaves exactly shape(x).
    return [reduceSum(ctx, reshape(ctx, g, split), axes, false), undefined];
  },
};
