/**
 * Gelu (opset 20): y = x·Φ(x) (approximate = 'none') or 0.5·x·(1 + tanh(u)), u = √(2/π)(x + 0.044715x³)
 * (approximate = 'tanh').
 * VJP: 'none': ∂L/∂x = g · (Φ(x) + x·φ(x)), Φ(x) = ½(1 + erf(x/√2)), φ(x) = e^(−x²/2)/√(2π);
 *      'tanh': ∂L/∂x = g · (½(1 + t) + ½·x·(1 − t²)·√(2/π)·(1 + 3·0.044715·x²)), t = tanh(u).
 * Exports at opset < 20 spell GELU out with Erf/Mul/Add/Div (or Tanh/Pow), covered by those rules.
 */
import type { GradRule } from '../rule.ts';
import { unaryRule } from './util/elementwise.ts';

const K = Math.sqrt(2 / Math.PI);
const C = 0.044715;

export const geluGrad: GradRule = unaryRule('Gelu', (ctx, { x, g }) => {
  const approx = ctx.attrString('approximate', 'none');
  const one = ctx.constFloat(1), half = ctx.constFloat(0.5);
  const x2 = ctx.emit('Mul', [x, x]);
  let local: string;
  if (approx === 'tanh') {
    const inner = ctx.emit('Add', [one, ctx.emit('Mul', [x2, ctx.constFloat(C)])]); // 1 + C x²
    const t = ctx.emit('Tanh', [ctx.emit('Mul', [ctx.emit('Mul', [x, inner]), ctx.constFloat(K)])]);
    const dInner = ctx.emit('Add', [one, ctx.emit('Mul', [x2, ctx.constFloat(3 * C)])]); // 1 + 3C x²
    const sech2 = ctx.emit('Sub', [one, ctx.emit('Mul', [t, t])]);
    const a = ctx.emit('Mul', [ctx.emit('Add', [one, t]), half]);
    const b = ctx.emit('Mul', [ctx.emit('Mul', [ctx.emit('Mul', [x, sech2]), dInner]), ctx.constFloat(0.5 * K)]);
    local = ctx.emit('Add', [a, b]);
  } else {
    const cdf = ctx.emit('Mul', [ctx.emit('Add', [one, ctx.emit('Erf', [ctx.emit('Mul', [x, ctx.constFloat(Math.SQRT1_2)])])]), half]);
    const pdf = ctx.emit('Mul', [ctx.emit('Exp', [ctx.emit('Mul', [x2, ctx.constFloat(-0.5)])]), ctx.constFloat(1 / Math.sqrt(2 * Math.PI))]);
    local = ctx.emit('Add', [cdf, ctx.emit('Mul', [x, pdf])]);
  }
  return ctx.emit('Mul', [g, local]);
}, { sinceVersion: 20 });
