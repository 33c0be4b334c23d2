/**
 * Guided backpropagation as a rule transformer. For an elementwise ReLU-like op the standard VJP is
 * f'(x)·g, linear in the upstream gradient g; guided backprop (Springenberg et al. 2015) keeps only
 * positive upstream signal, R = f'(x)·max(g, 0). {@link rectifyUpstream} turns a standard rule into its
 * guided version by handing it a context whose `gradOf(i)` is Relu(gradOf(i)) — so the guided rule
 * reuses the standard rule's exact local derivative (and its boundary conventions) without a copy.
 * For Relu this is exactly the paper's R^l = (f^l > 0)·(R^{l+1} > 0)·R^{l+1}.
 */
import type { GradContext, GradRule } from '../../rule.ts';

/** A view of `ctx` whose upstream gradients are rectified (each Relu emitted once, on first use). */
export function rectifiedContext(ctx: GradContext): GradContext {
  const cache = new Map<number, string | undefined>();
  const view: GradContext = {
    node: ctx.node,
    opset: ctx.opset,
    onnxOpset: ctx.onnxOpset,
    ruleSet: ctx.ruleSet,
    floatType: ctx.floatType,
    attr: (n) => ctx.attr(n),
    attrInt: ((n: string, d?: number) => (d === undefined ? ctx.attrInt(n) : ctx.attrInt(n, d))) as GradContext['attrInt'],
    attrFloat: ((n: string, d?: number) => (d === undefined ? ctx.attrFloat(n) : ctx.attrFloat(n, d))) as GradContext['attrFloat'],
    attrInts: (n) => ctx.attrInts(n),
    attrFloats: (n) => ctx.attrFloats(n),
    attrString: ((n: string, d?: string) => (d === undefined ? ctx.attrString(n) : ctx.attrString(n, d))) as GradContext['attrString'],
    shape: (t) => ctx.shape(t),
    elemType: (t) => ctx.elemType(t),
    constValue: (t) => ctx.constValue(t),
    gradOf(i) {
      if (!cache.has(i)) {
        const g = ctx.gradOf(i);
        cache.set(i, g === undefined ? undefined : ctx.emit('Relu', [g]));
      }
      return cache.get(i);
    },
    needsGrad: (i) => ctx.needsGrad(i),
    emit: (op, ins, attrs, domain) => ctx.emit(op, ins, attrs, domain),
    emitMulti: (op, ins, n, attrs) => ctx.emitMulti(op, ins, n, attrs),
    constFloat: (v, dims) => ctx.constFloat(v, dims),
    constInt64: (v, dims) => ctx.constInt64(v, dims),
    forwardOutput: (i) => ctx.forwardOutput(i),
  };
  return view;
}

/** The guided version of an elementwise ReLU-like rule: the same VJP applied to max(g, 0). */
export function rectifyUpstream(rule: GradRule): GradRule {
  return {
    opType: rule.opType,
    domain: rule.domain,
    sinceVersion: rule.sinceVersion,
    untilVersion: rule.untilVersion,
    differentiableInputs: rule.differentiableInputs,
    backward: (ctx) => rule.backward(rectifiedContext(ctx)),
  };
}
