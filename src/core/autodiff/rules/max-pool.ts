/**
 * Backward rule of MaxPool (1-D/2-D/3-D, strides, dilations, pads, auto_pad, ceil_mode, storage_order),
 * opset ≥ 8 (where MaxPool has its Indices output). Ties: exactly one winner per window — the element
 * ONNX Runtime's forward picked (its Indices output; the first maximum in scan order, like PyTorch).
 *
 * x̄[i] = Σ_{o: idx(o) = i} ȳ[o]. Overlapping windows (3×3 stride 2) send several ȳ to one x, so a
 * plain scatter would lose contributions and ScatterElements(reduction='add') needs opset 16. Instead,
 * with K = Π kernel and E[p, o] the flat input index of kernel tap p of window o (a constant):
 *   mask[n,c,p,o] = (Indices[n,c,o] mod |S| == E[p,o]),  Ḡ[n,(c,p),o] = mask·ȳ[n,c,o],
 *   x̄ = ConvTranspose(Ḡ, one-hot kernels W[(c,p),0,·] = e_p; group = C, forward strides/dilations/pads)
 * which sums every window's winner back into place — exact, valid at every opset, no raise needed.
 */
import { ConvlensError, ErrorCodes } from '../../errors.ts';
import { numel, reshape, unsqueeze } from '../emit-helpers.ts';
import type { GradRule } from '../rule.ts';
import { convGeometry, convInputGrad } from './conv-util.ts';

export const maxPoolGrad: GradRule = {
  opType: 'MaxPool',
  sinceVersion: 8,
  differentiableInputs: [0],
  backward(ctx) {
    const g = ctx.gradOf(0)!;
    const x = ctx.node.input![0]!;
    const xS = ctx.shape(x);
    const yS = ctx.shape(ctx.node.output![0]!);
    const [N, C] = xS as [number, number];
    const inSp = xS.slice(2);
    const outSp = yS.slice(2);
    const nSp = inSp.length;
    const geo = convGeometry(ctx, inSp);
    const storageOrder = ctx.attrInt('storage_order', 0);
    if (storageOrder === 1 && nSp !== 2) {
      throw new ConvlensError(ErrorCodes.UNSUPPORTED_OP, `MaxPool node "${ctx.node.name ?? ''}": storage_order=1 is only defined for 2-D pooling`);
    }
    const K = numel(geo.kernel);
    const O = numel(outSp);
    const S = numel(inSp);
    // Flat spatial input index of tap p of window o (−1 when the tap falls in the padding).
    const E = new Array<number>(K * O);
    const kIdx = new Array<number>(nSp).fill(0);
    for (let p = 0; p < K; p++) {
      let rem = p;
      for (let a = nSp - 1; a >= 0; a--) {
        kIdx[a] = rem % geo.kernel[a]!;
        rem = Math.floor(rem / geo.kernel[a]!);
      }
      for (let o = 0; o < O; o++) {
        let r = o;
        const pos = new Array<number>(nSp);
        let inside = true;
        for (let a = nSp - 1; a >= 0; a--) {
          const oa = r % outSp[a]!;
          r = Math.floor(r / outSp[a]!);
          pos[a] = oa * geo.strides[a]! - geo.begin[a]! + kIdx[a]! * geo.dilations[a]!;
          if (pos[a]! < 0 || pos[a]! >= inSp[a]!) inside = false;
        }
        let flat = 0;
        if (storageOrder === 1) flat = pos[0]! + pos[1]! * inSp[0]!;
        else for (let a = 0; a < nSp; a++) flat = flat * inSp[a]! + pos[a]!;
        E[p * O + o] = inside ? flat : -1;
      }
    }
    const indices = ctx.forwardOutput(1); // [N, C, *O], flat over N·C·S
    const sTot = ctx.constInt64(S);
    const local = ctx.emit('Sub', [indices, ctx.emit('Mul', [ctx.emit('Div', [indices, sTot]), sTot])]);
    const eConst = ctx.constInt64(E, [1, 1, K, ...outSp]);
    const mask = ctx.emit('Equal', [unsqueeze(ctx, local, [2]), eConst]); // [N, C, K, *O]
    const gm = ctx.emit('Where', [mask, unsqueeze(ctx, g, [2]), ctx.constFloat(0)]);
    const gFlat = reshape(ctx, gm, [N, C * K, ...outSp]);
    const w = new Array<number>(C * K * K).fill(0);
    for (let c = 0; c < C; c++) for (let p = 0; p < K; p++) w[(c * K + p) * K + p] = 1;
    const wConst = ctx.constFloat(w, [C * K, 1, ...geo.kernel]);
    return [convInputGrad(ctx, gFlat, wConst, geo, C, xS.length, inSp, outSp)];
  },
};
