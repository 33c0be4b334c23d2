// Gradient checks of the ConvTranspose rule.
import { gradCases } from '../../../../test/gradcheck/index.ts';
import type { GradCase } from '../../../../test/gradcheck/index.ts';

const x = (shape: number[]) => ({ name: 'x', shape, kind: 'data' as const });
const w = (shape: number[]) => ({ name: 'w', shape, kind: 'const' as const });
const b = (n: number) => ({ name: 'b', shape: [n], kind: 'const' as const });

const cases: GradCase[] = [
  { name: '2-D stride 2 pads 1 output_padding 1, bias, batch 2', op: 'ConvTranspose', opset: 13, attrs: { strides: [2, 2], pads: [1, 1, 1, 1], output_padding: [1, 1] }, inputs: [x([2, 3, 3, 4]), w([3, 2, 3, 3]), b(2)], wrt: ['x', 'w', 'b'] },
  { name: '2-D asymmetric pads, dilation', op: 'ConvTranspose', opset: 11, attrs: { strides: [2, 1], dilations: [1, 2], pads: [0, 1, 2, 0] }, inputs: [x([1, 2, 3, 3]), w([2, 3, 3, 2])], wrt: ['x', 'w'] },
  { name: '2-D groups 2', op: 'ConvTranspose', opset: 13, attrs: { group: 2, strides: [2, 2] }, inputs: [x([1, 4, 3, 2]), w([4, 1, 2, 3])], wrt: ['x', 'w'] },
  { name: '2-D output_padding larger than end pad', op: 'ConvTranspose', opset: 13, attrs: { strides: [3, 3], output_padding: [2, 1], pads: [1, 0, 0, 0] }, inputs: [x([1, 1, 2, 3]), w([1, 2, 2, 2])], wrt: ['x', 'w'] },
  { name: '1-D stride 2', op: 'ConvTranspose', opset: 13, attrs: { strides: [2], pads: [1, 0] }, inputs: [x([2, 2, 4]), w([2, 3, 3]), b(3)], wrt: ['x', 'w', 'b'] },
  { name: '3-D stride 2', op: 'ConvTranspose', opset: 13, attrs: { strides: [2, 2, 1] }, inputs: [x([1, 2, 2, 2, 3]), w([2, 1, 2, 2, 2])], wrt: ['x', 'w'] },
];

gradCases('ConvTranspose backward', cases);
