// Gradient checks of BatchNormalization (inference), InstanceNormalization, LayerNormalization, LRN.
import { gradCases, positive } from '../../../../test/gradcheck/index.ts';
import type { GradCase } from '../../../../test/gradcheck/index.ts';

const d = (name: string, shape: number[]) => ({ name, shape, kind: 'data' as const });
const k = (name: string, shape: number[], prepare?: (a: Float64Array) => void) => ({ name, shape, kind: 'const' as const, prepare });

const cases: GradCase[] = [
  { name: 'BatchNormalization 2-D batch 2, all inputs', op: 'BatchNormalization', opset: 15, attrs: { epsilon: 1e-3 }, inputs: [d('x', [2, 3, 3, 2]), k('s', [3]), k('b', [3]), k('m', [3]), k('v', [3], positive)], wrt: ['x', 's', 'b', 'm', 'v'] },
  { name: 'BatchNormalization 1-D (opset 9)', op: 'BatchNormalization', opset: 9, inputs: [d('x', [3, 4, 5]), k('s', [4]), k('b', [4]), k('m', [4]), k('v', [4], positive)], wrt: ['x', 's'] },
  { name: 'BatchNormalization on [N, C] (BatchNorm1d)', op: 'BatchNormalization', opset: 14, inputs: [d('x', [4, 3]), k('s', [3]), k('b', [3]), k('m', [3]), k('v', [3], positive)], wrt: ['x', 'b', 'v'] },
  { name: 'InstanceNormalization batch 2', op: 'InstanceNormalization', opset: 13, attrs: { epsilon: 1e-3 }, inputs: [d('x', [2, 3, 3, 4]), k('s', [3]), k('b', [3])], wrt: ['x', 's', 'b'] },
  { name: 'InstanceNormalization 1-D', op: 'InstanceNormalization', opset: 9, inputs: [d('x', [1, 2, 6]), k('s', [2]), k('b', [2])], wrt: ['x', 's'] },
  { name: 'LayerNormalization last axis (ViT) batch 2', op: 'LayerNormalization', opset: 17, inputs: [d('x', [2, 3, 5]), k('s', [5]), k('b', [5])], wrt: ['x', 's', 'b'] },
  { name: 'LayerNormalization axis 1 over [C,H,W]', op: 'LayerNormalization', opset: 17, attrs: { axis: 1, epsilon: 1e-3 }, inputs: [d('x', [2, 2, 3, 2]), k('s', [2, 3, 2]), k('b', [2, 3, 2])], wrt: ['x', 's', 'b'] },
  { name: 'LayerNormalization axis -2, broadcast scale [1,4]', op: 'LayerNormalization', opset: 17, attrs: { axis: -2 }, inputs: [d('x', [2, 3, 4]), k('s', [1, 4])], wrt: ['x', 's'] },
  { name: 'LRN size 3 (AlexNet-style)', op: 'LRN', opset: 13, attrs: { size: 3, alpha: 0.1, beta: 0.75, bias: 1.5 }, inputs: [d('x', [2, 5, 2, 3])], wrt: ['x'] },
  { name: 'LRN size 4 (even window)', op: 'LRN', opset: 13, attrs: { size: 4, alpha: 0.3, beta: 0.6, bias: { float: 2 } }, inputs: [d('x', [1, 6, 3])], wrt: ['x'], skipOrt: 'onnxruntime LRN kernels require an odd size' },
];

gradCases('normalization backward', cases);
