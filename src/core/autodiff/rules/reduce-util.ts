/**
 * Axes handling shared by the ReduceSum/ReduceMean/ReduceMax rules: axes come from the `axes` attribute
 * (ReduceSum < 13, ReduceMean/ReduceMax < 18) or from the optional int64 input 1 (which must be a
 * constant after shape folding); empty/absent axes mean "all axes" unless noop_with_empty_axes = 1 (then
 * the op is the identity). Also re-inserts reduced axes into ȳ when keepdims = 0.
 */
import { ConvlensError, ErrorCodes } from '../../errors.ts';
import { normAxis, unsqueeze } from '../emit-helpers.ts';
import type { GradContext } from '../rule.ts';

/** The reduced axes (sorted, non-negative), or undefined when the node is an identity (noop_with_empty_axes). */
export function reduceAxes(ctx: GradContext, axesInputSince: number, rank: number): number[] | undefined {
  let axes: number[] | undefined;
  if (ctx.opset >= axesInputSince) {
    const name = ctx.node.input?.[1];
    if (name) {
      const v = ctx.constValue(name);
      if (!v) {
        throw new ConvlensError(ErrorCodes.UNSUPPORTED_OP, `${ctx.node.opType} node "${ctx.node.name ?? ''}": its axes input "${name}" is not a constant`, {
          hint: 'fix the input shape so the axes computation folds to a constant',
        });
      }
      axes = v.values;
    }
  } else {
    axes = ctx.attrInts('axes');
  }
  if (!axes || axes.length === 0) {
    if (ctx.attrInt('noop_with_empty_axes', 0) === 1) return undefined;
    return Array.from({ length: rank }, (_, i) => i);
  }
  return [...new Set(axes.map((a) => normAxis(a, rank)))].sort((a, b) => a - b);
}

/** ȳ with the reduced axes present as size-1 axes (keepdims form). */
export function keepDimsGrad(ctx: GradContext, g: string, axes: number[]): string {
  return ctx.attrInt('keepdims', 1) === 1 ? g : unsqueeze(ctx, g, axes);
}
