/**
 * Gather: y[a, i…, b] = data[a, idx[i…], b] along `axis` (negative indices count from the end).
 * VJP: ∂L/∂data[a, d, b] = Σ_{i : idx[i] ≡ d} g[a, i, b] — a scatter-add, so repeated indices accumulate.
 * With A = ∏ data.shape[:axis], B = ∏ data.shape[axis+1:], n = |idx|, D = data.shape[axis]:
 *   opset ≥ 16: ScatterElements(zeros[A, D, B], expand(idx → [A, n, B]), reshape(g → [A, n, B]),
 *               axis = 1, reduction = 'add');
 *   opset < 16 (no scatter reduction): a one-hot matrix M[d, i] = (idx[i] mod D == d) and
 *               MatMul(M [D, n], g [A, n, B]) → [A, D, B].
 * Then reshape to data's shape. The indices input is integer data and gets no gradient.
 */
import type { GradContext, GradRule } from '../rule.ts';
import { floatDataType, normAxisChecked, numel, reshape } from '../emit-helpers.ts';

function int64Indices(ctx: GradContext, idx: string): string {
  return ctx.elemType(idx) === 'int64' ? idx : ctx.emit('Cast', [idx], { to: 7 });
}

export const gatherGrad: GradRule = {
  opType: 'Gather',
  differentiableInputs: [0],
  backward(ctx) {
    const g = ctx.gradOf(0);
    if (g === undefined || !ctx.needsGrad(0)) return [undefined, undefined];
    const [data, idx0] = ctx.node.input!;
    const ds = ctx.shape(data);
    const axis = normAxisChecked(ctx, ctx.attrInt('axis', 0), ds.length);
    const A = numel(ds.slice(0, axis)), D = ds[axis], B = numel(ds.slice(axis + 1));
    const n = numel(ctx.shape(idx0));
    const g3 = reshape(ctx, g, [A, n, B]);
    const idx = int64Indices(ctx, idx0);
    let r: string;
    if (ctx.onnxOpset >= 16) {
      const idx3 = ctx.emit('Expand', [reshape(ctx, idx, [1, n, 1]), ctx.constInt64([A, n, B])]);
      const z = ctx.emit('Expand', [ctx.constFloat(0), ctx.constInt64([A, D, B])]);
      r = ctx.emit('ScatterElements', [z, idx3, g3], { axis: 1, reduction: 'add' });
    } else {
      // Normalize negative indices: idx < 0 → idx + D.
      const flat = reshape(ctx, idx, [1, n]);
      const norm = ctx.emit('Where', [ctx.emit('Less', [flat, ctx.constInt64(0)]), ctx.emit('Add', [flat, ctx.constInt64(D)]), flat]);
      const range = ctx.constInt64(Array.from({ length: D }, (_, i) => i), [D, 1]);
      const eq = ctx.emit('Equal', [range, norm]); // [D, n]
      const m = ctx.emit('Cast', [eq], { to: floatDataType(ctx.floatType) });
      r = ctx.emit('MatMul', [m, g3]);
    }
    return [reshape(ctx, r, ds, [A, D, B]), undefined];
  },
};
