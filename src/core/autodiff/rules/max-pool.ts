/**
 * Backward rule of MaxPool (1-D/2-D/3-D, strides, dilations, pads, auto_pad, ceil_mode, storage_order),
 * opset ≥ 8. Ties: exactly one winner per window — the FIRST maximal element in the window's row-major
 * scan order, like PyTorch and like ONNX Runtime's Indices output.
 *
 * x̄[i] = Σ_{o: winner(o) = i} ȳ[o]. With K = Π kernel taps and E[p, o] the flat input index of tap p
 * of window o (−1 in the padding; a constant), the rule builds a one-hot winner mask W[n,c,p,o] and
 *   x̄ = ConvTranspose(W·ȳ, one-hot kernels e_p; group = C, forward strides/dilations/pads)
 * which sums every window's winner back into place (overlapping windows included) — exact, and no
 * ScatterElements(reduction='add'), which would need opset 16 (conv-util.ts picks the Conv form for
 * stride 1).
 *
 * Opset ≥ 11 (CumSum): the winners come from the forward OUTPUT y, not from MaxPool's Indices output.
 * Asking the forward MaxPool for Indices sends ONNX Runtime to a generic kernel many times slower than
 * its plain (NCHWc) MaxPool — and a second MaxPool with Indices in the backward part costs the same —
 * so instead the window taps T[n,c,p,o] = x[E[p,o]] are gathered by a Conv with the same one-hot
 * kernels (1·x + Σ 0·x: exact for finite x; the zero-padded taps are masked out with E), and
 *   eq = (T == y) ∧ (E ≥ 0),   W = relu(eq − exclusive-CumSum_p(eq))
 * keeps exactly the first equal tap of each window (1 − 0 for the first; ≤ 0 for later ties and 0 for
 * unequal taps). Opset < 11: W = (Indices mod |S| == E) from the forward's Indices output.
 */
import { ConvlensError, ErrorCodes } from '../../errors.ts';
import { DataType } from '../../onnx/proto-types.ts';
import { floatDataType, maskGrad, numel, reshape, unsqueeze } from '../emit-helpers.ts';
import type { GradContext, GradRule } from '../rule.ts';
import { convGeometry, convInputGrad } from './conv-util.ts';
import type { ConvGeometry } from './conv-util.ts';

/** Flat spatial input index of tap p of window o, at E[p·O + o] (−1 when the tap falls in the padding or past the end). */
function tapIndex(geo: ConvGeometry, inSp: number[], outSp: number[], storageOrder: number): number[] {
  const nSp = inSp.length;
  const K = numel(geo.kernel);
  const O = numel(outSp);
  const E = new Array<number>(K * O);
  const kIdx = new Array<number>(nSp).fill(0);
  const pos = new Array<number>(nSp);
  for (let p = 0; p < K; p++) {
    let rem = p;
    for (let a = nSp - 1; a >= 0; a--) {
      kIdx[a] = rem % geo.kernel[a]!;
      rem = Math.floor(rem / geo.kernel[a]!);
    }
    for (let o = 0; o < O; o++) {
      let r = o;
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
  return E;
}

/** Float winner mask [N, C, K, *O] from the forward output (see the module doc; opset ≥ 11). */
function winnersFromOutput(ctx: GradContext, x: string, kernels: string, geo: ConvGeometry, C: number, N: number, inSp: number[], outSp: number[], E: number[]): string {
  const K = numel(geo.kernel);
  // Conv end pads that give exactly the pool's window count (ceil_mode may add a window past the end).
  const padsEnd = inSp.map((s, a) => Math.max(0, (outSp[a]! - 1) * geo.strides[a]! + (geo.kernel[a]! - 1) * geo.dilations[a]! + 1 - geo.begin[a]! - s));
  const taps = ctx.emit('Conv', [x, kernels], { kernel_shape: geo.kernel, strides: geo.strides, dilations: geo.dilations, pads: [...geo.begin, ...padsEnd], group: C });
  let eq = ctx.emit('Equal', [reshape(ctx, taps, [N, C, K, ...outSp]), unsqueeze(ctx, ctx.node.output![0]!, [2])]);
  if (E.some((e) => e < 0)) {
    const inside = ctx.emit('Cast', [ctx.constInt64(E.map((e) => (e < 0 ? 0 : 1)), [1, 1, K, ...outSp])], { to: DataType.BOOL }); // folded by ORT
    eq = ctx.emit('And', [eq, inside]);
  }
  const eqF = ctx.emit('Cast', [eq], { to: floatDataType(ctx.floatType) });
  const before = ctx.emit('CumSum', [eqF, ctx.constInt64(2)], { exclusive: 1 });
  return ctx.emit('Relu', [ctx.emit('Sub', [eqF, before])]);
}

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
    const E = tapIndex(geo, inSp, outSp, storageOrder);
    const w = new Array<number>(C * K * K).fill(0);
    for (let c = 0; c < C; c++) for (let p = 0; p < K; p++) w[(c * K + p) * K + p] = 1;
    const kernels = ctx.constFloat(w, [C * K, 1, ...geo.kernel]);
    const gu = unsqueeze(ctx, g, [2]);
    let gm: string;
    if (ctx.onnxOpset >= 11) {
      gm = ctx.emit('Mul', [gu, winnersFromOutput(ctx, x, kernels, geo, C, N, inSp, outSp, E)]);
    } else {
      const indices = ctx.forwardOutput(1); // [N, C, *O], flat over N·C·S
      const sTot = ctx.constInt64(numel(inSp));
      const local = ctx.emit('Sub', [indices, ctx.emit('Mul', [ctx.emit('Div', [indices, sTot]), sTot])]);
      const mask = ctx.emit('Equal', [unsqueeze(ctx, local, [2]), ctx.constInt64(E, [1, 1, K, ...outSp])]); // [N, C, K, *O]
      gm = maskGrad(ctx, mask, gu);
    }
    const gFlat = reshape(ctx, gm, [N, C * K, ...outSp]);
    return [convInputGrad(ctx, gFlat, kernels, [C * K, 1, ...geo.kernel], geo, C, xS.length, inSp, outSp)];
  },
};
