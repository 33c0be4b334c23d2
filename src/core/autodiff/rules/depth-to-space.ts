/**
 * DepthToSpace (blocksize b; mode DCR, the default and the only mode before opset 11, or CRD):
 *   DCR: y = reshape(transpose(reshape(x, [N, b, b, C/b², H, W]), [0, 3, 4, 1, 5, 2]), [N, C/b², H·b, W·b])
 *   CRD: y = reshape(transpose(reshape(x, [N, C/b², b, b, H, W]), [0, 1, 4, 2, 5, 3]), [N, C/b², H·b, W·b])
 * VJP: the inverse rearrangement, ∂L/∂x = reshape(transpose(reshape(g, [N, C/b², H, b, W, b]), perm⁻¹),
 * [N, C, H, W]) with perm⁻¹ = [0, 3, 5, 1, 2, 4] (DCR; this is SpaceToDepth) or [0, 1, 3, 5, 2, 4] (CRD).
 */
import type { GradRule } from '../rule.ts';
import { reshape } from '../emit-helpers.ts';

export const depthToSpaceGrad: GradRule = {
  opType: 'DepthToSpace',
  differentiableInputs: [0],
  backward(ctx) {
    const g = ctx.gradOf(0);
    if (g === undefined || !ctx.needsGrad(0)) return [undefined];
    const x = ctx.node.input![0];
    const [n, c, h, w] = ctx.shape(x);
    const b = ctx.attrInt('blocksize', 1);
    const crd = ctx.opset >= 11 && ctx.attrString('mode', 'DCR') === 'CRD';
    const six = reshape(ctx, g, [n, c / (b * b), h, b, w, b]);
    const t = ctx.emit('Transpose', [six], { perm: { ints: crd ? [0, 1, 3, 5, 2, 4] : [0, 3, 5, 1, 2, 4] } });
    return [reshape(ctx, t, [n, c, h, w])];
  },
};
