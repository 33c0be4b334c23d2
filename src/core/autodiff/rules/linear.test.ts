// Gradient checks of Gemm and MatMul (transposes, alpha/beta, C broadcast, batched/broadcast/1-D MatMul).
import { gradCases } from '../../../../test/gradcheck/index.ts';
import type { GradCase } from '../../../../test/gradcheck/index.ts';

const d = (name: string, shape: number[]) => ({ name, shape, kind: 'data' as const });
const k = (name: string, shape: number[]) => ({ name, shape, kind: 'const' as const });

const gemm: GradCase[] = [
  { name: 'Gemm plain, C [N] broadcast', op: 'Gemm', opset: 13, inputs: [d('a', [3, 4]), k('b', [4, 5]), k('c', [5])], wrt: ['a', 'b', 'c'] },
  { name: 'Gemm transB (Linear layer), batch 2', op: 'Gemm', opset: 13, attrs: { transB: 1 }, inputs: [d('a', [2, 6]), k('b', [3, 6]), k('c', [3])], wrt: ['a', 'b', 'c'] },
  { name: 'Gemm transA transB alpha beta, C [M,1]', op: 'Gemm', opset: 11, attrs: { transA: 1, transB: 1, alpha: 0.7, beta: 1.3 }, inputs: [d('a', [4, 3]), d('b', [2, 4]), k('c', [3, 1])], wrt: ['a', 'b', 'c'] },
  { name: 'Gemm transA alpha, scalar C (opset 9: MatMul form)', op: 'Gemm', opset: 9, attrs: { transA: 1, alpha: 2.5, beta: 0.5 }, inputs: [d('a', [4, 3]), d('b', [4, 2]), k('c', [1])], wrt: ['a', 'b', 'c'] },
  { name: 'Gemm opset 9 transB', op: 'Gemm', opset: 9, attrs: { transB: 1 }, inputs: [d('a', [1, 3]), k('b', [2, 3]), k('c', [1, 2])], wrt: ['a', 'b'] },
];

const matmul: GradCase[] = [
  { name: 'MatMul 2-D', op: 'MatMul', opset: 13, inputs: [d('a', [3, 4]), d('b', [4, 2])], wrt: ['a', 'b'] },
  { name: 'MatMul batched 3-D × 2-D weight (ViT linear)', op: 'MatMul', opset: 13, inputs: [d('a', [2, 5, 4]), k('b', [4, 3])], wrt: ['a', 'b'] },
  { name: 'MatMul 4-D attention scores', op: 'MatMul', opset: 13, inputs: [d('a', [2, 3, 4, 5]), d('b', [2, 3, 5, 4])], wrt: ['a', 'b'] },
  { name: 'MatMul broadcast size-1 batch dims', op: 'MatMul', opset: 13, inputs: [d('a', [2, 1, 3, 4]), d('b', [1, 3, 4, 2])], wrt: ['a', 'b'] },
  { name: 'MatMul 1-D × 2-D', op: 'MatMul', opset: 13, inputs: [d('a', [4]), d('b', [4, 3])], wrt: ['a', 'b'] },
  { name: 'MatMul 3-D × 1-D', op: 'MatMul', opset: 13, inputs: [d('a', [2, 3, 4]), d('b', [4])], wrt: ['a', 'b'] },
  { name: 'MatMul 1-D × 1-D', op: 'MatMul', opset: 9, inputs: [d('a', [5]), d('b', [5])], wrt: ['a', 'b'] },
];

gradCases('Gemm backward', gemm);
gradCases('MatMul backward', matmul);
