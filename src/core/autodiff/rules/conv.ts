/**
 * Backward rule of Conv (1-D/2-D/3-D, groups incl. depthwise, strides, dilations, explicit pads and
 * auto_pad SAME_UPPER/SAME_LOWER/VALID). For y = Conv(x, w) + b (ONNX Conv, all opsets):
 *   x̄ = ConvTranspose(ȳ, w) with the forward strides/dilations/group/pads and output_padding equal to
 *       the stride remainder, so the input size is reproduced exactly — or, for stride 1, the same
 *       values as a Conv of ȳ with the flipped, in/out-swapped kernel, which ONNX Runtime runs much
 *       faster (conv-util.ts);
 *   w̄[m,c,k] = Σ_{n,o} ȳ[n,m,o]·x_pad[n, c + ⌊m/M_g⌋·C_g, o·s + k·d]  (a Conv of batch↔channel-swapped x
 *       with ȳ as kernel, stride d, dilation s);
 *   b̄ = Σ_{n,spatial} ȳ.
 */
import type { GradRule } from '../rule.ts';
import { channelSum, convGeometry, convInputGrad, convWeightGrad } from './conv-util.ts';

export const convGrad: GradRule = {
  opType: 'Conv',
  differentiableInputs: [0, 1, 2],
  backward(ctx) {
    const dy = ctx.gradOf(0)!;
    const [x, w, b] = ctx.node.input!;
    const xShape = ctx.shape(x!);
    const wShape = ctx.shape(w!);
    const yShape = ctx.shape(ctx.node.output![0]!);
    const rank = xShape.length;
    const inSp = xShape.slice(2);
    const outSp = yShape.slice(2);
    const group = ctx.attrInt('group', 1);
    const g = convGeometry(ctx, inSp, wShape.slice(2));
    const res: (string | undefined)[] = [undefined, undefined, undefined];
    if (ctx.needsGrad(0)) res[0] = convInputGrad(ctx, dy, w!, wShape, g, group, rank, inSp, outSp);
    if (ctx.needsGrad(1)) res[1] = convWeightGrad(ctx, x!, dy, g, group, xShape, yShape);
    if (b && ctx.needsGrad(2)) res[2] = channelSum(ctx, dy, rank);
    return res;
  },
};
