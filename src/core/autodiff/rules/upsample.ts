/**
 * Backward rule of Upsample (opset 7: `scales` attribute; opset 9: scales input; deprecated at 10 —
 * still written by older exporters such as Paddle2ONNX). Upsample = Resize with asymmetric coordinates
 * and ONNX Runtime's 'simple' nearest rounding; modes nearest and linear/bilinear. The VJP applies the
 * transposed interpolation matrices along each axis (see resize.ts).
 */
import { ConvlensError, ErrorCodes } from '../../errors.ts';
import type { GradRule } from '../rule.ts';
import { resampleBackward } from './resize.ts';

export const upsampleGrad: GradRule = {
  opType: 'Upsample',
  sinceVersion: 7,
  differentiableInputs: [0],
  backward(ctx) {
    const g = ctx.gradOf(0)!;
    const xS = ctx.shape(ctx.node.input![0]!);
    const yS = ctx.shape(ctx.node.output![0]!);
    let scales = ctx.attrFloats('scales');
    if (!scales) {
      const name = ctx.node.input?.[1];
      const v = name ? ctx.constValue(name) : undefined;
      if (!v) throw new ConvlensError(ErrorCodes.UNSUPPORTED_OP, `Upsample node "${ctx.node.name ?? ''}": scales are not a constant`);
      scales = v.values;
    }
    const mode = ctx.attrString('mode', 'nearest');
    const m = mode === 'bilinear' ? 'linear' : mode;
    if (m !== 'nearest' && m !== 'linear') throw new ConvlensError(ErrorCodes.UNSUPPORTED_OP, `Upsample node "${ctx.node.name ?? ''}": mode "${mode}" is not supported`);
    return [resampleBackward(ctx, g, xS, yS, scales, { mode: m, coordinateTransform: 'asymmetric', nearestMode: 'simple', cubicA: -0.75, excludeOutside: false })];
  },
};
