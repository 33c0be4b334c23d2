/**
 * Pad of the float64 reference evaluator: attribute form (opset 1 `paddings`, opsets 2–10 `pads` and
 * `value`) and input form (11+: pads, optional constant_value, optional axes from 18), modes constant,
 * reflect, edge and wrap (19+). Negative pads crop.
 */
import { allocLike, kindOf, normAxis, sizeOf, stridesOf, toNumbers } from './common.ts';
import type { OpImpl } from './common.ts';

const pad: OpImpl = (ctx) => {
  const x = ctx.input(0);
  const rank = x.dims.length;
  const mode = ctx.attrs.string('mode', 'constant');
  let pads: number[];
  let value: number | bigint = 0;
  let axes: number[] = Array.from({ length: rank }, (_, i) => i);
  if (ctx.opset < 11) {
    pads = ctx.attrs.ints(ctx.opset < 2 ? 'paddings' : 'pads') ?? ctx.fail('needs pads');
    value = ctx.attrs.float('value', 0);
  } else {
    pads = toNumbers(ctx.input(1));
    const cv = ctx.inputs[2];
    if (cv && cv.data.length > 0) value = cv.data[0]!;
    const ax = ctx.inputs[3];
    if (ax) axes = toNumbers(ax).map((a) => normAxis(a, rank, ctx));
  }
  if (pads.length !== 2 * axes.length) return ctx.fail(`pads has ${pads.length} entries for ${axes.length} axes`);
  const begin = new Array<number>(rank).fill(0);
  const end = new Array<number>(rank).fill(0);
  axes.forEach((a, i) => {
    begin[a] = pads[i]!;
    end[a] = pads[axes.length + i]!;
  });
  const dims = x.dims.map((d, i) => d + begin[i]! + end[i]!);
  if (dims.some((d) => d < 0)) return ctx.fail(`pads [${pads}] crop more than the input [${x.dims}] holds`);
  if (!['constant', 'reflect', 'edge', 'wrap'].includes(mode)) return ctx.fail(`unknown mode '${mode}'`);
  if (mode === 'wrap' && ctx.opset < 19) return ctx.fail("mode 'wrap' needs opset 19");
  const kind = kindOf(x);
  const fill = kind === 'float' ? Number(value) : kind === 'int' ? BigInt(value) : Number(value) ? 1 : 0;
  const inStr = stridesOf(x.dims);
  const n = sizeOf(dims);
  const out = allocLike(x.data, n);
  const cur = new Array<number>(rank).fill(0);
  const source = (p: number, d: number): number => {
    if (p >= 0 && p < d) return p;
    if (mode === 'edge') return p < 0 ? 0 : d - 1;
    if (mode === 'wrap') return ((p % d) + d) % d;
    if (mode === 'reflect') {
      if (d === 1) return 0;
      const period = 2 * (d - 1);
      const m = ((p % period) + period) % period;
      return m < d ? m : period - m;
    }
    return -1;
  };
  for (let i = 0; i < n; i++) {
    let off = 0;
    let inside = true;
    for (let a = 0; a < rank; a++) {
      const s = source(cur[a]! - begin[a]!, x.dims[a]!);
      if (s < 0 || x.dims[a] === 0) {
        inside = false;
        break;
      }
      off += s * inStr[a]!;
    }
    out[i] = inside ? x.data[off]! : fill;
    for (let a = rank - 1; a >= 0; a--) {
      if (++cur[a]! < dims[a]!) break;
      cur[a] = 0;
    }
  }
  return [{ dims, data: out }];
};

export const ops: Record<string, OpImpl> = { Pad: pad };
