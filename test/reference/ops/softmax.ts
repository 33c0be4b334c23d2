/**
 * Softmax, LogSoftmax and Hardmax of the float64 reference evaluator, with both axis semantics:
 * before opset 13 the input is coerced to 2-D at `axis` (default 1) and normalised over the flattened
 * trailing block; from opset 13 on, over the single axis `axis` (default −1).
 */
import { kindOf, normAxis, sizeOf } from './common.ts';
import type { OpImpl } from './common.ts';

type Kind = 'softmax' | 'logsoftmax' | 'hardmax';

function softmaxOp(kind: Kind): OpImpl {
  return (ctx) => {
    const x = ctx.input(0);
    if (kindOf(x) !== 'float') return ctx.fail('expects a float input');
    const rank = x.dims.length;
    let outer: number;
    let D: number;
    let inner: number;
    if (ctx.opset < 13) {
      const axis = rank === 0 ? 0 : normAxis(ctx.attrs.int('axis', 1), rank, ctx);
      outer = sizeOf(x.dims.slice(0, axis));
      D = sizeOf(x.dims.slice(axis));
      inner = 1;
    } else {
      const axis = normAxis(ctx.attrs.int('axis', -1), rank, ctx);
      outer = sizeOf(x.dims.slice(0, axis));
      D = x.dims[axis]!;
      inner = sizeOf(x.dims.slice(axis + 1));
    }
    const xd = x.data as Float64Array;
    const out = new Float64Array(xd.length);
    for (let o = 0; o < outer; o++) {
      for (let i = 0; i < inner; i++) {
        const at = (d: number): number => (o * D + d) * inner + i;
        let mx = -Infinity;
        let arg = 0;
        for (let d = 0; d < D; d++) {
          if (xd[at(d)]! > mx) {
            mx = xd[at(d)]!;
            arg = d;
          }
        }
        if (kind === 'hardmax') {
          for (let d = 0; d < D; d++) out[at(d)] = d === arg ? 1 : 0;
          continue;
        }
        let s = 0;
        for (let d = 0; d < D; d++) s += Math.exp(xd[at(d)]! - mx);
        const logS = Math.log(s);
        for (let d = 0; d < D; d++) {
          const z = xd[at(d)]! - mx;
          out[at(d)] = kind === 'softmax' ? Math.exp(z) / s : z - logS;
        }
      }
    }
    return [{ dims: [...x.dims], data: out }];
  };
}

export const ops: Record<string, OpImpl> = {
  Softmax: softmaxOp('softmax'),
  LogSoftmax: softmaxOp('logsoftmax'),
  Hardmax: softmaxOp('hardmax'),
};
