/**
 * Backward rule of ConvTranspose (1-D/2-D/3-D, groups, strides, dilations, pads, output_padding,
 * output_shape, auto_pad). ConvTranspose(x, w) is the adjoint of Conv(·, w) with the same attributes:
 * y[t] = Σ_{i,k: t = i·s + k·d − pb} x[i]·w[k] on the full length s(S−1) + (k−1)d + 1 + output_padding,
 * cropped by pb at the start and pe at the end. Hence
 *   x̄ = Conv(ȳ, w; strides s, dilations d, group, pads (pb, pe − output_padding)) — with a negative end
 *       pad meaning the tail of ȳ that no input reaches is cropped first;
 *   w̄ = the Conv weight gradient of that adjoint Conv (x ↔ ȳ roles swapped, conv-util.ts);
 *   b̄ = Σ_{n,spatial} ȳ.
 * Pads from output_shape/auto_pad follow the ONNX spec (total = s(S−1) + op + (k−1)d + 1 − out;
 * SAME_UPPER puts the larger half at the end, otherwise at the start).
 */
import { slice } from '../emit-helpers.ts';
import type { GradRule } from '../rule.ts';
import { channelSum, convWeightGrad } from './conv-util.ts';
import type { ConvGeometry } from './conv-util.ts';

export const convTransposeGrad: GradRule = {
  opType: 'ConvTranspose',
  differentiableInputs: [0, 1, 2],
  backward(ctx) {
    const dy = ctx.gradOf(0)!;
    const [x, w, b] = ctx.node.input!;
    const xS = ctx.shape(x!);
    const wS = ctx.shape(w!);
    const yS = ctx.shape(ctx.node.output![0]!);
    const rank = xS.length;
    const nSp = rank - 2;
    const inSp = xS.slice(2);
    const outSp = yS.slice(2);
    const group = ctx.attrInt('group', 1);
    const kernel = ctx.attrInts('kernel_shape') ?? wS.slice(2);
    const strides = ctx.attrInts('strides') ?? new Array<number>(nSp).fill(1);
    const dilations = ctx.attrInts('dilations') ?? new Array<number>(nSp).fill(1);
    const outPad = ctx.attrInts('output_padding') ?? new Array<number>(nSp).fill(0);
    const autoPad = ctx.attrString('auto_pad', 'NOTSET');
    const begin: number[] = [];
    const end: number[] = [];
    const pads = ctx.attrInts('pads');
    const explicit = autoPad === 'NOTSET' && !ctx.attrInts('output_shape') && pads;
    for (let i = 0; i < nSp; i++) {
      if (explicit) {
        begin.push(pads![i]!);
        end.push(pads![nSp + i]!);
      } else if (autoPad === 'VALID' || (autoPad === 'NOTSET' && !ctx.attrInts('output_shape'))) {
        begin.push(0);
        end.push(0);
      } else {
        const total = strides[i]! * (inSp[i]! - 1) + outPad[i]! + (kernel[i]! - 1) * dilations[i]! + 1 - outSp[i]!;
        const half = Math.floor(total / 2);
        if (autoPad === 'SAME_UPPER') {
          begin.push(half);
          end.push(total - half);
        } else {
          begin.push(total - half);
          end.push(half);
        }
      }
    }
    // The adjoint Conv's end pads: pe − output_padding, where negative means "crop ȳ's tail".
    const convEnd = end.map((e, i) => e - outPad[i]!);
    let dyc = dy;
    const dyS = [...yS];
    if (convEnd.some((e) => e < 0)) {
      const axes: number[] = [];
      const ends: number[] = [];
      convEnd.forEach((e, i) => {
        if (e < 0) {
          axes.push(i + 2);
          ends.push(outSp[i]! + e);
          dyS[i + 2] = outSp[i]! + e;
          convEnd[i] = 0;
        }
      });
      dyc = slice(ctx, dy, axes.map(() => 0), ends, axes);
    }
    const geo: ConvGeometry = { nSp, kernel, strides, dilations, begin, end: convEnd };
    const res: (string | undefined)[] = [undefined, undefined, undefined];
    if (ctx.needsGrad(0)) {
      res[0] = ctx.emit('Conv', [dyc, w!], { kernel_shape: kernel, strides, dilations, pads: [...begin, ...convEnd], group });
    }
    if (ctx.needsGrad(1)) res[1] = convWeightGrad(ctx, dyc, x!, geo, group, dyS, xS);
    if (b && ctx.needsGrad(2)) res[2] = channelSum(ctx, dy, rank);
    return res;
  },
};
