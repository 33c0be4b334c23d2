/**
 * The "redirected ReLU" rule set for the first steps of feature visualization (Lucid's
 * `misc/redirected_relu_grad.py`, used by its `render_vis`): a channel that does not fire at all on the
 * starting image (a dead ReLU everywhere) gets no gradient, and the optimization never takes off. For
 * the first few steps these overrides let gradient through a ReLU where it pushes a negative input UP
 * (and, for ReLU6 / Clip, a too-large input down), but only for batch entries where the true gradient
 * through that op is entirely zero. Lucid does this for the first 16 steps; optimize.ts does it until
 * every unit of a call has fired once, then switches back to the standard (exact) set.
 *
 * In gradient-ascent terms (g = ∂objective/∂y, the update moves x along +g):
 *   exact      = g · [x in the linear region]
 *   redirected = g · ¬(x < lo ∧ g < 0) · ¬(x > hi ∧ g > 0)
 *   result[n]  = exact[n] if Σ|exact[n]| > 0 else redirected[n]       (per batch entry n)
 *
 * Built from opset-stable ops (MatMul with a ones column for the per-entry sum) so it compiles into the
 * same backward graph as every other rule.
 */
import type { GradContext, GradRule, RuleSet } from '../../autodiff/rule.ts';
import { defineRuleSet } from '../../autodiff/registry.ts';
import { standard } from '../../autodiff/rule-sets.ts';
import { unaryRule } from '../../autodiff/rules/util/elementwise.ts';
import { maskGrad, reshape } from '../../autodiff/emit-helpers.ts';
import { clipBounds } from '../../autodiff/rules/clip.ts';

/** result = exact where that batch entry's exact gradient is non-zero somewhere, else redirected. */
function perEntry(ctx: GradContext, x: string, exact: string, redirected: string): string {
  const shape = ctx.shape(x);
  if (shape.length < 2) return exact;
  const n = shape[0]!, m = shape.slice(1).reduce((a, b) => a * b, 1);
  const flat = reshape(ctx, ctx.emit('Abs', [exact]), [n, m]);
  const mag = ctx.emit('MatMul', [flat, ctx.constFloat(new Array(m).fill(1), [m, 1])]); // [n, 1]
  const cond = ctx.emit('Greater', [reshape(ctx, mag, [n, ...shape.slice(1).map(() => 1)]), ctx.constFloat(0)]);
  return ctx.emit('Where', [cond, exact, redirected]);
}

const reluRedirected: GradRule = unaryRule('Relu', (ctx, { x, g }) => {
  const zero = ctx.constFloat(0);
  const exact = maskGrad(ctx, ctx.emit('Greater', [x, zero]), g);
  const block = ctx.emit('And', [ctx.emit('Less', [x, zero]), ctx.emit('Less', [g, zero])]);
  return perEntry(ctx, x, exact, maskGrad(ctx, ctx.emit('Not', [block]), g));
});

const clipRedirected: GradRule = unaryRule('Clip', (ctx, { x, g }) => {
  const { lo, hi } = clipBounds(ctx);
  if (lo === undefined && hi === undefined) return g;
  const zero = ctx.constFloat(0);
  const parts: string[] = [], blocks: string[] = [];
  if (lo !== undefined) { parts.push(ctx.emit('Greater', [x, lo])); blocks.push(ctx.emit('And', [ctx.emit('Less', [x, lo]), ctx.emit('Less', [g, zero])])); }
  if (hi !== undefined) { parts.push(ctx.emit('Less', [x, hi])); blocks.push(ctx.emit('And', [ctx.emit('Greater', [x, hi]), ctx.emit('Greater', [g, zero])])); }
  const pass = parts.length === 2 ? ctx.emit('And', parts) : parts[0]!;
  const block = blocks.length === 2 ? ctx.emit('Or', blocks) : blocks[0]!;
  return perEntry(ctx, x, maskGrad(ctx, pass, g), maskGrad(ctx, ctx.emit('Not', [block]), g));
});

/** Standard gradients, except Relu and Clip, which redirect gradient through dead units (see the module header). */
export const redirectedRelu: RuleSet = defineRuleSet({
  name: 'featurevis-redirected-relu',
  description: "Lucid's redirected ReLU gradient: gradient that pushes a dead ReLU's input up passes, for batch entries whose true gradient through the op is zero",
  base: standard,
  rules: [reluRedirected, clipRedirected],
});
