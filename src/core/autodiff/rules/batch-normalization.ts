/**
 * Backward rule of BatchNormalization in inference mode (running statistics; what exported CNNs
 * contain): y = γ·(x − μ)·r + β with r = 1/√(σ² + ε), per channel (axis 1).
 *   x̄ = ȳ·γ·r;   γ̄ = Σ_{n,sp} ȳ·(x − μ)·r;   β̄ = Σ_{n,sp} ȳ;
 *   μ̄ = −Σ ȳ·γ·r;   σ̄² = Σ ȳ·γ·(x − μ)·(−½)·r³.
 * training_mode = 1 (opset ≥ 14) and the old per-activation `spatial = 0` are refused.
 */
import { ConvlensError, ErrorCodes } from '../../errors.ts';
import { reduceSum, reshape } from '../emit-helpers.ts';
import type { GradRule } from '../rule.ts';

export const batchNormalizationGrad: GradRule = {
  opType: 'BatchNormalization',
  differentiableInputs: [0, 1, 2, 3, 4],
  backward(ctx) {
    if (ctx.attrInt('training_mode', 0) === 1 || ctx.attrInt('spatial', 1) === 0) {
      throw new ConvlensError(ErrorCodes.UNSUPPORTED_OP, `BatchNormalization node "${ctx.node.name ?? ''}": only inference mode with per-channel statistics is differentiable here`, {
        hint: 'export the model in eval mode (model.eval()) so BatchNormalization uses running statistics',
      });
    }
    const g = ctx.gradOf(0)!;
    const [x, scale, , mean, variance] = ctx.node.input!;
    const xS = ctx.shape(x!);
    const C = xS[1]!;
    const bc = [C, ...new Array<number>(xS.length - 2).fill(1)];
    const eps = ctx.attrFloat('epsilon', 1e-5);
    const r = reshape(ctx, ctx.emit('Reciprocal', [ctx.emit('Sqrt', [ctx.emit('Add', [variance!, ctx.constFloat(eps)])])]), bc);
    const gamma = reshape(ctx, scale!, bc);
    const axes = [0, ...Array.from({ length: xS.length - 2 }, (_, i) => i + 2)];
    const res: (string | undefined)[] = [undefined, undefined, undefined, undefined, undefined];
    const gr = ctx.emit('Mul', [gamma, r]); // γ·r  [C,1,..]
    if (ctx.needsGrad(0)) res[0] = ctx.emit('Mul', [g, gr]);
    const needXc = ctx.needsGrad(1) || ctx.needsGrad(4);
    const xc = needXc ? ctx.emit('Sub', [x!, reshape(ctx, mean!, bc)]) : undefined;
    if (ctx.needsGrad(1)) res[1] = reduceSum(ctx, ctx.emit('Mul', [ctx.emit('Mul', [g, xc!]), r]), axes, false);
    if (ctx.needsGrad(2) || ctx.needsGrad(3)) {
      const sg = reduceSum(ctx, g, axes, false); // [C]
      if (ctx.needsGrad(2)) res[2] = sg;
      if (ctx.needsGrad(3)) res[3] = ctx.emit('Neg', [ctx.emit('Mul', [sg, reshape(ctx, gr, [C])])]);
    }
    if (ctx.needsGrad(4)) {
      const r3 = ctx.emit('Mul', [ctx.emit('Mul', [r, r]), r]);
      const coef = ctx.emit('Mul', [ctx.emit('Mul', [gamma, r3]), ctx.constFloat(-0.5)]);
      res[4] = reduceSum(ctx, ctx.emit('Mul', [ctx.emit('Mul', [g, xc!]), coef]), axes, false);
    }
    return res;
  },
};
