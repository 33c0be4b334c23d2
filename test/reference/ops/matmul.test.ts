/**
 * MatMul, Gemm and Einsum of the reference evaluator: hand-checked values (1-D promotion, batch
 * broadcasting, transposes, diagonals, ellipsis) and onnxruntime cross-checks.
 */
import { describe, it } from 'vitest';
import { crossCheckOrt, expectClose, f, randn, runRef } from '../testing.ts';

describe('MatMul / Gemm / Einsum: hand-checked values', () => {
  const a = f([2, 3], [1, 2, 3, 4, 5, 6]);
  const bm = f([3, 2], [1, 0, 0, 1, 1, 1]);
  it('MatMul 2-D and 1-D promotions', () => {
    expectClose(runRef({ op: 'MatMul', inputs: [a, bm], opset: 13 })[0]!, { dims: [2, 2], data: [4, 5, 10, 11] });
    expectClose(runRef({ op: 'MatMul', inputs: [f([3], [1, 1, 1]), bm], opset: 13 })[0]!, { dims: [2], data: [2, 2] });
    expectClose(runRef({ op: 'MatMul', inputs: [a, f([3], [1, 0, -1])], opset: 13 })[0]!, { dims: [2], data: [-2, -2] });
    expectClose(runRef({ op: 'MatMul', inputs: [f([3], [1, 2, 3]), f([3], [1, 2, 3])], opset: 13 })[0]!, { dims: [], data: [14] });
  });
  it('MatMul broadcasts batch dims', () => {
    const y = runRef({ op: 'MatMul', inputs: [f([2, 1, 1, 2], [1, 2, 3, 4]), f([3, 2, 1], [1, 1, 2, 2, 3, 3])], opset: 13 })[0]!;
    expectClose(y, { dims: [2, 3, 1, 1], data: [3, 6, 9, 7, 14, 21] });
  });
  it('Gemm: transposes, alpha, beta and C broadcast', () => {
    const y = runRef({ op: 'Gemm', inputs: [f([3, 2], [1, 4, 2, 5, 3, 6]), bm, f([2], [10, 20])], attrs: { transA: 1, alpha: 2, beta: { float: 0.5 } }, opset: 13 })[0]!;
    expectClose(y, { dims: [2, 2], data: [13, 20, 25, 32] });
    const t = runRef({ op: 'Gemm', inputs: [a, f([2, 3], [1, 0, 1, 0, 1, 1])], attrs: { transB: 1 }, opset: 13 })[0]!;
    expectClose(t, [4, 5, 10, 11]);
  });
  it('Einsum: matmul, implicit output, diagonal, trace, ellipsis', () => {
    expectClose(runRef({ op: 'Einsum', inputs: [a, bm], attrs: { equation: 'ij,jk->ik' }, opset: 12 })[0]!, [4, 5, 10, 11]);
    expectClose(runRef({ op: 'Einsum', inputs: [a, bm], attrs: { equation: 'ij,jk' }, opset: 12 })[0]!, [4, 5, 10, 11]);
    const sq = f([2, 2], [1, 2, 3, 4]);
    expectClose(runRef({ op: 'Einsum', inputs: [sq], attrs: { equation: 'ii->i' }, opset: 12 })[0]!, { dims: [2], data: [1, 4] });
    expectClose(runRef({ op: 'Einsum', inputs: [sq], attrs: { equation: 'ii' }, opset: 12 })[0]!, { dims: [], data: [5] });
    expectClose(runRef({ op: 'Einsum', inputs: [sq], attrs: { equation: 'ij->ji' }, opset: 12 })[0]!, [1, 3, 2, 4]);
    const y = runRef({ op: 'Einsum', inputs: [f([2, 1, 2], [1, 2, 3, 4]), f([2, 1], [1, 1])], attrs: { equation: '...ij,jk->...ik' }, opset: 12 })[0]!;
    expectClose(y, { dims: [2, 1, 1], data: [3, 7] });
  });
});

describe('matrix products vs onnxruntime (float32)', () => {
  it('MatMul: 2-D, batched with broadcasting, 1-D operands', async () => {
    await crossCheckOrt({ op: 'MatMul', inputs: [randn([4, 5], 91), randn([5, 3], 92)], opset: 13 });
    await crossCheckOrt({ op: 'MatMul', inputs: [randn([2, 1, 4, 5], 93), randn([3, 5, 2], 94)], opset: 13 });
    await crossCheckOrt({ op: 'MatMul', inputs: [randn([5], 95), randn([2, 5, 3], 96)], opset: 13 });
    await crossCheckOrt({ op: 'MatMul', inputs: [randn([2, 3, 5], 97), randn([5], 98)], opset: 13 });
  });
  it('Gemm: every transpose combination, C of shapes (N), (M,1), scalar, absent', async () => {
    for (const [transA, transB] of [[0, 0], [1, 0], [0, 1], [1, 1]]) {
      const A = randn(transA ? [5, 4] : [4, 5], 101);
      const B = randn(transB ? [3, 5] : [5, 3], 102);
      await crossCheckOrt({ op: 'Gemm', inputs: [A, B, randn([3], 103)], attrs: { transA, transB, alpha: { float: 0.5 }, beta: { float: 2 } }, opset: 13 });
    }
    await crossCheckOrt({ op: 'Gemm', inputs: [randn([4, 5], 104), randn([5, 3], 105), randn([4, 1], 106)], opset: 13 });
    await crossCheckOrt({ op: 'Gemm', inputs: [randn([4, 5], 104), randn([5, 3], 105), randn([], 107)], opset: 13 });
    await crossCheckOrt({ op: 'Gemm', inputs: [randn([4, 5], 104), randn([5, 3], 105)], opset: 13 });
  });
  it('Einsum forms used by attention exports', async () => {
    await crossCheckOrt({ op: 'Einsum', inputs: [randn([2, 3, 4, 5], 111), randn([2, 3, 6, 5], 112)], attrs: { equation: 'bhid,bhjd->bhij' }, opset: 12 });
    await crossCheckOrt({ op: 'Einsum', inputs: [randn([2, 4, 5], 113), randn([5, 3], 114)], attrs: { equation: '...ij,jk->...ik' }, opset: 12 });
    await crossCheckOrt({ op: 'Einsum', inputs: [randn([3, 4], 115)], attrs: { equation: 'ij->j' }, opset: 12 });
  });
});
