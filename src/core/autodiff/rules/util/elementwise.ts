/**
 * Small builders for elementwise backward rules, so each rule file holds only its op's math:
 * {@link unaryRule} for y = f(x) ops (the gradient is g·f'(x), computed from x and/or y), and
 * {@link binaryOperands} for the broadcasting binary ops (Add, Sub, Mul, Div, Pow).
 */
import type { GradContext, GradRule } from '../../rule.ts';

/** What a unary rule's `vjp` receives: the forward input x, the forward output y, upstream gradient g. */
export interface UnaryArgs {
  /** Forward input 0. */
  readonly x: string;
  /** Forward output 0 (emitted by the forward graph; no recomputation). */
  readonly y: () => string;
  /** Upstream gradient of output 0. */
  readonly g: string;
}

/**
 * A rule for an elementwise op y = f(x) whose only differentiable input is input 0. Optional inputs
 * after the first (Clip's min/max...) are read by `vjp` through the context.
 */
export function unaryRule(
  opType: string,
  vjp: (ctx: GradContext, a: UnaryArgs) => string,
  range: { sinceVersion?: number; untilVersion?: number } = {},
): GradRule {
  return {
    opType,
    ...range,
    differentiableInputs: [0],
    backward(ctx) {
      const g = ctx.gradOf(0);
      const n = ctx.node.input?.length ?? 1;
      const out: (string | undefined)[] = new Array(n).fill(undefined);
      if (g === undefined || !ctx.needsGrad(0)) return out;
      out[0] = vjp(ctx, { x: ctx.node.input![0], y: () => ctx.forwardOutput(0), g });
      return out;
    },
  };
}

/** Names and static shapes of a binary op's operands, output and upstream gradient. */
export interface BinaryOperands {
  readonly a: string;
  readonly b: string;
  readonly aShape: number[];
  readonly bShape: number[];
  readonly outShape: number[];
  readonly g: string;
}

/** Operands of a broadcasting binary op, or undefined when no gradient reaches its output. */
export function binaryOperands(ctx: GradContext): BinaryOperands | undefined {
  const g = ctx.gradOf(0);
  if (g === undefined) return undefined;
  const [a, b] = ctx.node.input!;
  return { a, b, aShape: ctx.shape(a), bShape: ctx.shape(b), outShape: ctx.shape(ctx.node.output![0]), g };
}
