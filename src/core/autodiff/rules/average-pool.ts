/**
 * Backward rule of AveragePool (1-D/2-D/3-D, strides, pads, auto_pad, ceil_mode, dilations (opset 19),
 * count_include_pad 0 and 1). y[o] = (1/D[o])·Σ_{taps t in the input} x[o·s + t·d − pb], so
 *   x̄ = ConvTranspose(ȳ / D, ones kernel, group = C, forward strides/dilations/pads)
 * with the divisor map D a constant computed here: count_include_pad = 0 → the number of taps inside the
 * input; = 1 → the number of taps inside the padded input [−pb, S + pe) (windows that ceil_mode lets run
 * past the padded end are clipped, as in ONNX Runtime and PyTorch).
 */
import { numel } from '../emit-helpers.ts';
import type { GradRule } from '../rule.ts';
import { convGeometry, convInputGrad } from './conv-util.ts';

export const averagePoolGrad: GradRule = {
  opType: 'AveragePool',
  differentiableInputs: [0],
  backward(ctx) {
    const g = ctx.gradOf(0)!;
    const xS = ctx.shape(ctx.node.input![0]!);
    const yS = ctx.shape(ctx.node.output![0]!);
    const C = xS[1]!;
    const inSp = xS.slice(2);
    const outSp = yS.slice(2);
    const nSp = inSp.length;
    const geo = convGeometry(ctx, inSp);
    const includePad = ctx.attrInt('count_include_pad', 0) === 1;
    // Per-axis tap counts, then the product over axes (the window is a box).
    const perAxis: number[][] = [];
    for (let a = 0; a < nSp; a++) {
      const counts: number[] = [];
      for (let o = 0; o < outSp[a]!; o++) {
        const start = o * geo.strides[a]! - geo.begin[a]!;
        let n = 0;
        for (let t = 0; t < geo.kernel[a]!; t++) {
          const p = start + t * geo.dilations[a]!;
          if (includePad ? p < inSp[a]! + geo.end[a]! : p >= 0 && p < inSp[a]!) n++;
        }
        counts.push(n);
      }
      perAxis.push(counts);
    }
    const O = numel(outSp);
    const inv = new Array<number>(O);
    for (let o = 0; o < O; o++) {
      let r = o;
      let d = 1;
      for (let a = nSp - 1; a >= 0; a--) {
        d *= perAxis[a]![r % outSp[a]!]!;
        r = Math.floor(r / outSp[a]!);
      }
      inv[o] = d > 0 ? 1 / d : 0;
    }
    const scaled = ctx.emit('Mul', [g, ctx.constFloat(inv, [1, 1, ...outSp])]);
    const ones = ctx.constFloat(new Array<number>(C * numel(geo.kernel)).fill(1), [C, 1, ...geo.kernel]);
    return [convInputGrad(ctx, scaled, ones, [C, 1, ...geo.kernel], geo, C, xS.length, inSp, outSp)];
  },
};
