/**
 * Shared rule body for ops that only re-view their data input (Flatten, Reshape, Squeeze, Unsqueeze):
 * the output holds the same elements in the same row-major order, so the gradient is the upstream
 * gradient reshaped back to the data input's static shape. Only input 0 is differentiable (shape and
 * axes inputs are integer data).
 */
import type { GradRule } from '../../rule.ts';
import { reshape } from '../../emit-helpers.ts';

/** A GradRule for a pure re-view op. */
export function reshapeBackRule(opType: string): GradRule {
  return {
    opType,
    differentiableInputs: [0],
    backward(ctx) {
      const out: (string | undefined)[] = new Array(ctx.node.input?.length ?? 1).fill(undefined);
      const g = ctx.gradOf(0);
      if (g === undefined || !ctx.needsGrad(0)) return out;
      const x = ctx.node.input![0];
      out[0] = reshape(ctx, g, ctx.shape(x), ctx.shape(ctx.node.output![0]));
      return out;
    },
  };
}
