/**
 * Dropout. In inference (no training_mode input, or a constant false one; opset ≤ 11 Dropout is always
 * inference in ONNX Runtime) y = x, so ∂L/∂x = g. With a constant-true training_mode (opset ≥ 12)
 * y = x · mask / (1 − ratio), so ∂L/∂x = g · mask / (1 − ratio), using the node's own mask output (the
 * same random draw as the forward run). The optional mask output is boolean and carries no gradient;
 * ratio and training_mode are not differentiable.
 */
import { ConvlensError, ErrorCodes } from '../../errors.ts';
import type { GradRule } from '../rule.ts';
import { floatDataType, optionalInput } from '../emit-helpers.ts';

export const dropoutGrad: GradRule = {
  opType: 'Dropout',
  differentiableInputs: [0],
  backward(ctx) {
    const out: (string | undefined)[] = new Array(ctx.node.input?.length ?? 1).fill(undefined);
    const g = ctx.gradOf(0);
    if (g === undefined || !ctx.needsGrad(0)) return out;
    const tm = ctx.opset >= 12 ? optionalInput(ctx, 2) : undefined;
    let training = false;
    if (tm !== undefined) {
      const v = ctx.constValue(tm);
      if (!v) {
        throw new ConvlensError(ErrorCodes.UNSUPPORTED_OP, `Dropout node "${ctx.node.name ?? ''}" (opset ${ctx.opset}): training_mode is only known at run time`, {
          hint: 'export the model in eval mode (model.eval()) so Dropout is an identity', details: { opType: 'Dropout', node: ctx.node.name },
        });
      }
      training = v.values.length > 0 && Number(v.values[0]) !== 0;
    }
    if (!training) {
      out[0] = g;
      return out;
    }
    const ratioName = optionalInput(ctx, 1);
    const ratioV = ratioName === undefined ? undefined : ctx.constValue(ratioName);
    if (ratioName !== undefined && !ratioV) {
      throw new ConvlensError(ErrorCodes.UNSUPPORTED_OP, `Dropout node "${ctx.node.name ?? ''}": training-mode ratio is only known at run time`, {
        details: { opType: 'Dropout', node: ctx.node.name },
      });
    }
    const ratio = ratioV ? Number(ratioV.values[0]) : 0.5;
    const maskF = ctx.emit('Cast', [ctx.forwardOutput(1)], { to: floatDataType(ctx.floatType) });
    const scale = ratio >= 1 ? 0 : 1 / (1 - ratio);
    out[0] = ctx.emit('Mul', [ctx.emit('Mul', [g, maskF]), ctx.constFloat(scale)]);
    return out;
  },
};
