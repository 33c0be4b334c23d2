/**
 * SpaceToDepth (blocksize b):
 *   y = reshape(transpose(reshape(x, [N, C, H/b, b, W/b, b]), [0, 3, 5, 1, 2, 4]), [N, C·b², H/b, W/b])
 * VJP: the inverse rearrangement (DepthToSpace in DCR mode),
 *   ∂L/∂x = reshape(transpose(reshape(g, [N, b, b, C, H/b, W/b]), [0, 3, 4, 1, 5, 2]), [N, C, H, W]).
 */
import type { GradRule } from '../rule.ts';
import { reshape } from '../emit-helpers.ts';

export const spaceToDepthGrad: GradRule = {
  opType: 'SpaceToDepth',
  differentiableInputs: [0],
  backward(ctx) {
    const g = ctx.gradOf(0);
    if (g === undefined || !ctx.needsGrad(0)) return [undefined];
    const x = ctx.node.input![0];
    const [n, c, h, w] = ctx.shape(x);
    const b = ctx.attrInt('blocksize', 1);
    const six = reshape(ctx, g, [n, b, b, c, h / b, w / b]);
    const t = ctx.emit('Transpose', [six], { perm: { ints: [0, 3, 4, 1, 5, 2] } });
    return [reshape(ctx, t, [n, c, h, w])];
  },
};
