/**
 * Backward rule of ReduceMax (axes attribute < 18, axes input ≥ 18, keepdims, noop_with_empty_axes).
 * Ties: the gradient is SPLIT EQUALLY among all maxima — the semantics of torch.amax (which is what
 * ONNX ReduceMax expresses; torch.max(dim) exports ReduceMax + ArgMax and PyTorch sends its gradient to
 * one index — the two differ only on exact ties):
 *   mask = (x == broadcast(y)),  x̄ = mask·broadcast(ȳ) / Σ_A mask.
 * The mask is computed as Not(y > x) (y ≥ x always), valid at every opset (Equal on floats needs 11).
 */
import { reduceSum, unsqueeze } from '../emit-helpers.ts';
import type { GradRule } from '../rule.ts';
import { keepDimsGrad, reduceAxes } from './reduce-util.ts';

export const reduceMaxGrad: GradRule = {
  opType: 'ReduceMax',
  differentiableInputs: [0],
  backward(ctx) {
    const g = ctx.gradOf(0)!;
    const x = ctx.node.input![0]!;
    const xS = ctx.shape(x);
    const axes = reduceAxes(ctx, 18, xS.length);
    if (!axes) return [g];
    const y = ctx.forwardOutput(0);
    const yk = ctx.attrInt('keepdims', 1) === 1 ? y : unsqueeze(ctx, y, axes);
    const isMax = ctx.emit('Not', [ctx.emit('Greater', [yk, x])]);
    const mask = ctx.emit('Cast', [isMax], { to: ctx.floatType === 'float64' ? 11 : 1 });
    const count = reduceSum(ctx, mask, axes, true);
    const share = ctx.emit('Div', [keepDimsGrad(ctx, g, axes), count]);
    return [ctx.emit('Mul', [mask, share])];
  },
};
