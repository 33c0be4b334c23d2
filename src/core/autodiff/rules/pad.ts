/**
 * Backward rule of Pad (modes constant, reflect, edge, and wrap at opset ≥ 19; pads as the `paddings`
 * attribute at opset 1, `pads` attribute at 2–10, an int64 input at ≥ 11 (+ optional `axes` input at
 * ≥ 18); negative pads crop). Forward: y[j] = x[src(j)] per axis, with src given by the mode (or the
 * constant for j outside x in constant mode).
 *  - constant: x̄[i] = ȳ[i + pb] — a Slice of ȳ (zero-padded where negative pads cropped x);
 *  - reflect/edge/wrap: several y positions read one x position, so x̄ = Σ_j ȳ[j]·[src(j) = i], applied
 *    per axis as the transpose of a 0/1 gather matrix (axis-matrix.ts).
 * The constant_value input is not differentiated.
 */
import { ConvlensError, ErrorCodes } from '../../errors.ts';
import { normAxis, pad, slice } from '../emit-helpers.ts';
import type { GradContext, GradRule } from '../rule.ts';
import { applyAxisMatrixT, isIdentity } from './axis-matrix.ts';

function padsOf(ctx: GradContext, rank: number): number[] {
  if (ctx.opset < 11) return ctx.attrInts('pads') ?? ctx.attrInts('paddings') ?? new Array<number>(2 * rank).fill(0);
  const name = ctx.node.input![1]!;
  const v = ctx.constValue(name);
  if (!v) {
    throw new ConvlensError(ErrorCodes.UNSUPPORTED_OP, `Pad node "${ctx.node.name ?? ''}": its pads input "${name}" is not a constant`, { hint: 'fix the input shape so the pads computation folds to a constant' });
  }
  const axesName = ctx.opset >= 18 ? ctx.node.input![3] : undefined;
  if (!axesName) return v.values;
  const axesV = ctx.constValue(axesName);
  if (!axesV) throw new ConvlensError(ErrorCodes.UNSUPPORTED_OP, `Pad node "${ctx.node.name ?? ''}": its axes input is not a constant`);
  const full = new Array<number>(2 * rank).fill(0);
  const axes = axesV.values.map((a) => normAxis(a, rank));
  axes.forEach((a, k) => {
    full[a] = v.values[k]!;
    full[rank + a] = v.values[axes.length + k]!;
  });
  return full;
}

function source(j: number, pb: number, n: number, mode: string): number {
  let s = j - pb;
  if (s >= 0 && s < n) return s;
  if (mode === 'edge') return Math.min(Math.max(s, 0), n - 1);
  if (mode === 'wrap') return ((s % n) + n) % n;
  if (mode === 'reflect') {
    if (n === 1) return 0;
    const period = 2 * (n - 1);
    s = ((s % period) + period) % period;
    return s < n ? s : period - s;
  }
  return -1;
}

export const padGrad: GradRule = {
  opType: 'Pad',
  differentiableInputs: [0],
  backward(ctx) {
    const g = ctx.gradOf(0)!;
    const xS = ctx.shape(ctx.node.input![0]!);
    const yS = ctx.shape(ctx.node.output![0]!);
    const rank = xS.length;
    const pads = padsOf(ctx, rank);
    const mode = ctx.attrString('mode', 'constant');
    if (mode === 'constant') {
      const axes: number[] = [];
      const starts: number[] = [];
      const ends: number[] = [];
      const back = new Array<number>(2 * rank).fill(0);
      for (let a = 0; a < rank; a++) {
        const pb = pads[a]!;
        const pe = pads[rank + a]!;
        if (pb === 0 && pe === 0) continue;
        const start = Math.max(pb, 0);
        const end = Math.min(pb + xS[a]!, yS[a]!);
        if (start !== 0 || end !== yS[a]) {
          axes.push(a);
          starts.push(start);
          ends.push(end);
        }
        back[a] = Math.max(-pb, 0);
        back[rank + a] = Math.max(-pe, 0);
      }
      let r = axes.length ? slice(ctx, g, starts, ends, axes) : g;
      r = pad(ctx, r, back);
      return [r];
    }
    if (mode !== 'reflect' && mode !== 'edge' && mode !== 'wrap') {
      throw new ConvlensError(ErrorCodes.UNSUPPORTED_OP, `Pad node "${ctx.node.name ?? ''}": mode "${mode}" has no gradient rule`);
    }
    let cur = g;
    const curS = [...yS];
    for (let a = 0; a < rank; a++) {
      const out = yS[a]!;
      const inn = xS[a]!;
      const m = new Float64Array(out * inn);
      for (let j = 0; j < out; j++) {
        const s = source(j, pads[a]!, inn, mode);
        if (s >= 0) m[j * inn + s] += 1;
      }
      if (isIdentity(m, out, inn)) continue;
      cur = applyAxisMatrixT(ctx, cur, curS, a, m, out, inn);
      curS[a] = inn;
    }
    return [cur];
  },
};
