/**
 * Matrix products of the float64 reference evaluator: Gemm (transA/transB, alpha, beta, C broadcast
 * to (M, N)), MatMul (numpy semantics: batched with broadcasting, 1-D operands promoted and their
 * axis removed) and Einsum (explicit and implicit outputs, ellipsis, repeated indices / diagonals).
 */
import { broadcastIndex, broadcastShapes, kindOf, sizeOf, stridesOf, toFloat64 } from './common.ts';
import type { OpContext, OpImpl, RefTensor } from './common.ts';

function requireFloat(ctx: OpContext, ...ts: RefTensor[]): void {
  for (const t of ts) if (kindOf(t) !== 'float') ctx.fail(`expects float inputs (got ${kindOf(t)})`);
}

const gemm: OpImpl = (ctx) => {
  const a = ctx.input(0);
  const b = ctx.input(1);
  const c = ctx.inputs[2];
  requireFloat(ctx, a, b, ...(c ? [c] : []));
  if (a.dims.length !== 2 || b.dims.length !== 2) return ctx.fail(`A and B must be 2-D (got [${a.dims}] and [${b.dims}])`);
  const transA = ctx.attrs.int('transA', 0) !== 0;
  const transB = ctx.attrs.int('transB', 0) !== 0;
  const alpha = ctx.attrs.float('alpha', 1);
  const beta = ctx.attrs.float('beta', 1);
  const [M, K] = transA ? [a.dims[1]!, a.dims[0]!] : [a.dims[0]!, a.dims[1]!];
  const [K2, N] = transB ? [b.dims[1]!, b.dims[0]!] : [b.dims[0]!, b.dims[1]!];
  if (K !== K2) return ctx.fail(`inner dimensions differ (${K} vs ${K2})`);
  const da = a.data as Float64Array;
  const db = b.data as Float64Array;
  const out = new Float64Array(M * N);
  for (let m = 0; m < M; m++) {
    for (let n = 0; n < N; n++) {
      let s = 0;
      for (let k = 0; k < K; k++) s += da[transA ? k * M + m : m * K + k]! * db[transB ? n * K + k : k * N + n]!;
      out[m * N + n] = alpha * s;
    }
  }
  if (c && beta !== 0) {
    const cd = broadcastShapes([c.dims, [M, N]]);
    if (!cd || cd.length !== 2 || cd[0] !== M || cd[1] !== N) return ctx.fail(`C of shape [${c.dims}] does not broadcast to [${M}, ${N}]`);
    const map = broadcastIndex(c.dims, [M, N]);
    const dc = c.data as Float64Array;
    for (let i = 0; i < M * N; i++) out[i]! += beta * dc[map[i]!]!;
  }
  return [{ dims: [M, N], data: out }];
};

/** numpy.matmul on float64 data. */
export function matmul(ctx: OpContext, a: RefTensor, b: RefTensor): RefTensor {
  if (a.dims.length === 0 || b.dims.length === 0) return ctx.fail('MatMul operands must have rank >= 1');
  const aDims = a.dims.length === 1 ? [1, a.dims[0]!] : a.dims;
  const bDims = b.dims.length === 1 ? [b.dims[0]!, 1] : b.dims;
  const M = aDims[aDims.length - 2]!;
  const K = aDims[aDims.length - 1]!;
  const K2 = bDims[bDims.length - 2]!;
  const N = bDims[bDims.length - 1]!;
  if (K !== K2) return ctx.fail(`inner dimensions differ: [${a.dims}] x [${b.dims}]`);
  const aBatch = aDims.slice(0, -2);
  const bBatch = bDims.slice(0, -2);
  const batch = broadcastShapes([aBatch, bBatch]);
  if (!batch) return ctx.fail(`batch dimensions [${aBatch}] and [${bBatch}] do not broadcast`);
  const mapA = broadcastIndex(aBatch, batch);
  const mapB = broadcastIndex(bBatch, batch);
  const nb = sizeOf(batch);
  const da = toFloat64(a);
  const db = toFloat64(b);
  const out = new Float64Array(nb * M * N);
  for (let bi = 0; bi < nb; bi++) {
    const oa = mapA[bi]! * M * K;
    const ob = mapB[bi]! * K * N;
    const oo = bi * M * N;
    for (let m = 0; m < M; m++) {
      for (let n = 0; n < N; n++) {
        let s = 0;
        for (let k = 0; k < K; k++) s += da[oa + m * K + k]! * db[ob + k * N + n]!;
        out[oo + m * N + n] = s;
      }
    }
  }
  const dims = [...batch];
  if (a.dims.length > 1) dims.push(M);
  if (b.dims.length > 1) dims.push(N);
  return { dims, data: out };
}

const matMul: OpImpl = (ctx) => {
  const a = ctx.input(0);
  const b = ctx.input(1);
  requireFloat(ctx, a, b);
  return [matmul(ctx, a, b)];
};

/**
 * Einsum by brute force over every index combination (test sizes only). Supports explicit (`ij,jk->ik`)
 * and implicit (`ij,jk`) outputs, `...` broadcasting and repeated letters (diagonals, traces).
 */
const einsum: OpImpl = (ctx) => {
  const eq = ctx.attrs.string('equation');
  if (eq === undefined) return ctx.fail('needs an equation attribute');
  const operands = ctx.inputs.filter((t): t is RefTensor => t !== undefined);
  requireFloat(ctx, ...operands);
  const [lhs, rhsRaw] = eq.replace(/\s+/g, '').split('->') as [string, string | undefined];
  const terms = lhs.split(',');
  if (terms.length !== operands.length) return ctx.fail(`equation '${eq}' has ${terms.length} operands, node has ${operands.length}`);
  // Expand '...' into reserved upper-case-free symbols, right-aligned across operands.
  let ellRank = 0;
  for (let i = 0; i < terms.length; i++) {
    if (terms[i]!.includes('...')) ellRank = Math.max(ellRank, operands[i]!.dims.length - (terms[i]!.length - 3));
  }
  const ellLetters = Array.from({ length: ellRank }, (_, i) => String.fromCharCode(0x3b1 + i)); // α, β, …
  const expanded = terms.map((t, i) => {
    if (!t.includes('...')) return t.split('');
    const r = operands[i]!.dims.length - (t.length - 3);
    const [pre, post] = t.split('...') as [string, string];
    return [...pre.split(''), ...ellLetters.slice(ellRank - r), ...post.split('')];
  });
  const sizes = new Map<string, number>();
  for (let i = 0; i < expanded.length; i++) {
    const letters = expanded[i]!;
    const dims = operands[i]!.dims;
    if (letters.length !== dims.length) return ctx.fail(`term '${terms[i]}' does not match operand rank ${dims.length}`);
    letters.forEach((l, j) => {
      const d = dims[j]!;
      const prev = sizes.get(l);
      if (prev === undefined || prev === 1) sizes.set(l, d);
      else if (d !== prev && !(d === 1 && ellLetters.includes(l))) ctx.fail(`index '${l}' has sizes ${prev} and ${d}`);
    });
  }
  let outLetters: string[];
  if (rhsRaw !== undefined) {
    outLetters = rhsRaw.includes('...')
      ? [...rhsRaw.split('...')[0]!.split(''), ...ellLetters, ...rhsRaw.split('...')[1]!.split('')]
      : rhsRaw.split('');
  } else {
    const counts = new Map<string, number>();
    for (const t of expanded) for (const l of t) if (!ellLetters.includes(l)) counts.set(l, (counts.get(l) ?? 0) + 1);
    outLetters = [...ellLetters, ...[...counts.entries()].filter(([, c]) => c === 1).map(([l]) => l).sort()];
  }
  const sumLetters = [...sizes.keys()].filter((l) => !outLetters.includes(l));
  const all = [...outLetters, ...sumLetters];
  const allSizes = all.map((l) => sizes.get(l)!);
  const outDims = outLetters.map((l) => sizes.get(l)!);
  // per operand: stride contributed by each letter of `all` (0 when absent or broadcast size-1)
  const opStrides = operands.map((t, i) => {
    const str = stridesOf(t.dims);
    return all.map((l) => {
      let s = 0;
      expanded[i]!.forEach((ll, j) => {
        if (ll === l && t.dims[j] !== 1) s += str[j]!; // size-1 dims broadcast (stride 0)
      });
      return s;
    });
  });
  const datas = operands.map((t) => t.data as Float64Array);
  const nOut = sizeOf(outDims);
  const nSum = sizeOf(sumLetters.map((l) => sizes.get(l)!));
  const out = new Float64Array(nOut);
  const idx = new Array<number>(all.length).fill(0);
  for (let o = 0; o < nOut; o++) {
    // decode output index
    let rem = o;
    for (let a = outLetters.length - 1; a >= 0; a--) {
      idx[a] = rem % allSizes[a]!;
      rem = Math.floor(rem / allSizes[a]!);
    }
    let acc = 0;
    for (let s = 0; s < nSum; s++) {
      let r = s;
      for (let a = all.length - 1; a >= outLetters.length; a--) {
        idx[a] = r % allSizes[a]!;
        r = Math.floor(r / allSizes[a]!);
      }
      let prod = 1;
      for (let i = 0; i < datas.length; i++) {
        let off = 0;
        const st = opStrides[i]!;
        for (let a = 0; a < all.length; a++) off += idx[a]! * st[a]!;
        prod *= datas[i]![off]!;
      }
      acc += prod;
    }
    out[o] = acc;
  }
  return [{ dims: outDims, data: out }];
};

export const ops: Record<string, OpImpl> = { Gemm: gemm, MatMul: matMul, Einsum: einsum };
