// Gradient checks of the Conv rule (RELIABILITY.md protocol via test/gradcheck).
import { gradCases } from '../../../../test/gradcheck/index.ts';
import type { GradCase } from '../../../../test/gradcheck/index.ts';

const x = (shape: number[]) => ({ name: 'x', shape, kind: 'data' as const });
const w = (shape: number[]) => ({ name: 'w', shape, kind: 'const' as const });
const b = (n: number) => ({ name: 'b', shape: [n], kind: 'const' as const });

const cases: GradCase[] = [
  { name: '2-D 3x3 pad 1, batch 2, bias', op: 'Conv', opset: 13, attrs: { pads: [1, 1, 1, 1] }, inputs: [x([2, 3, 5, 5]), w([4, 3, 3, 3]), b(4)], wrt: ['x', 'w', 'b'] },
  { name: '2-D stride 2 with remainder, asymmetric pads', op: 'Conv', opset: 11, attrs: { strides: [2, 3], pads: [0, 2, 1, 0] }, inputs: [x([1, 2, 6, 7]), w([3, 2, 3, 2])], wrt: ['x', 'w'] },
  { name: '2-D dilation 2 stride 2', op: 'Conv', opset: 13, attrs: { strides: [2, 2], dilations: [2, 2], pads: [1, 2, 2, 1] }, inputs: [x([2, 2, 7, 8]), w([2, 2, 2, 3])], wrt: ['x', 'w'] },
  { name: '2-D groups 2', op: 'Conv', opset: 13, attrs: { group: 2, pads: [1, 0, 1, 0] }, inputs: [x([2, 4, 4, 5]), w([6, 2, 3, 3]), b(6)], wrt: ['x', 'w', 'b'] },
  { name: '2-D depthwise stride 2 (MobileNet)', op: 'Conv', opset: 13, attrs: { group: 3, strides: [2, 2], pads: [1, 1, 1, 1] }, inputs: [x([2, 3, 7, 6]), w([3, 1, 3, 3])], wrt: ['x', 'w'] },
  { name: '2-D depthwise multiplier 2', op: 'Conv', opset: 13, attrs: { group: 2 }, inputs: [x([1, 2, 4, 4]), w([4, 1, 2, 2])], wrt: ['x', 'w'] },
  { name: '2-D auto_pad SAME_UPPER stride 2', op: 'Conv', opset: 13, attrs: { auto_pad: 'SAME_UPPER', strides: [2, 2] }, inputs: [x([1, 2, 6, 5]), w([2, 2, 4, 3])], wrt: ['x', 'w'] },
  { name: '2-D auto_pad SAME_LOWER stride 2', op: 'Conv', opset: 13, attrs: { auto_pad: 'SAME_LOWER', strides: [2, 2] }, inputs: [x([1, 2, 6, 5]), w([2, 2, 4, 3])], wrt: ['x', 'w'] },
  { name: '2-D auto_pad VALID stride 3', op: 'Conv', opset: 9, attrs: { auto_pad: 'VALID', strides: [3, 3] }, inputs: [x([1, 1, 8, 7]), w([2, 1, 2, 2])], wrt: ['x', 'w'] },
  { name: '1-D stride 2 pads', op: 'Conv', opset: 13, attrs: { strides: [2], pads: [2, 1] }, inputs: [x([2, 3, 9]), w([2, 3, 3]), b(2)], wrt: ['x', 'w', 'b'] },
  { name: '3-D stride 2', op: 'Conv', opset: 13, attrs: { strides: [2, 1, 2], pads: [1, 0, 0, 0, 1, 1] }, inputs: [x([1, 2, 4, 3, 5]), w([2, 2, 2, 2, 3])], wrt: ['x', 'w'] },
  { name: '1x1 conv on size-1 spatial dims', op: 'Conv', opset: 13, inputs: [x([3, 4, 1, 1]), w([2, 4, 1, 1]), b(2)], wrt: ['x', 'w', 'b'] },
  { name: 'stem 7x7 stride 2 pad 3 (larger, directional)', op: 'Conv', opset: 13, attrs: { strides: [2, 2], pads: [3, 3, 3, 3] }, inputs: [x([1, 3, 16, 16]), w([4, 3, 7, 7])], wrt: ['x', 'w'] },
];

gradCases('Conv backward', cases);
