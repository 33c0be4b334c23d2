// Gradient checks of the pooling rules: MaxPool, AveragePool, GlobalAveragePool, GlobalMaxPool.
import { distinctValues, gradCases } from '../../../../test/gradcheck/index.ts';
import type { GradCase } from '../../../../test/gradcheck/index.ts';

const x = (shape: number[]) => ({ name: 'x', shape, kind: 'data' as const, prepare: distinctValues });

const maxPool: GradCase[] = [
  { name: 'MaxPool 3x3 stride 2 pad 1 (ResNet stem), batch 2', op: 'MaxPool', opset: 13, attrs: { kernel_shape: [3, 3], strides: [2, 2], pads: [1, 1, 1, 1] }, inputs: [x([2, 2, 7, 6])], wrt: ['x'] },
  { name: 'MaxPool 2x2 stride 2', op: 'MaxPool', opset: 11, attrs: { kernel_shape: [2, 2], strides: [2, 2] }, inputs: [x([1, 3, 4, 6])], wrt: ['x'] },
  { name: 'MaxPool ceil_mode, asymmetric pads', op: 'MaxPool', opset: 12, attrs: { kernel_shape: [3, 2], strides: [2, 2], pads: [0, 1, 1, 0], ceil_mode: 1 }, inputs: [x([1, 2, 6, 5])], wrt: ['x'] },
  { name: 'MaxPool dilation 2', op: 'MaxPool', opset: 12, attrs: { kernel_shape: [2, 2], dilations: [2, 2], strides: [1, 2] }, inputs: [x([1, 1, 6, 7])], wrt: ['x'] },
  { name: 'MaxPool auto_pad SAME_UPPER (opset 9)', op: 'MaxPool', opset: 9, attrs: { kernel_shape: [3, 3], strides: [2, 2], auto_pad: 'SAME_UPPER' }, inputs: [x([1, 2, 5, 6])], wrt: ['x'] },
  { name: 'MaxPool storage_order 1', op: 'MaxPool', opset: 13, attrs: { kernel_shape: [2, 3], strides: [1, 2], storage_order: 1 }, inputs: [x([2, 1, 4, 5])], wrt: ['x'] },
  { name: 'MaxPool 1-D', op: 'MaxPool', opset: 13, attrs: { kernel_shape: [3], strides: [2], pads: [1, 1] }, inputs: [x([2, 2, 9])], wrt: ['x'] },
  { name: 'MaxPool 3-D', op: 'MaxPool', opset: 13, attrs: { kernel_shape: [2, 2, 2], strides: [2, 1, 2] }, inputs: [x([1, 2, 4, 3, 4])], wrt: ['x'] },
];

const avgPool: GradCase[] = [
  { name: 'AveragePool 3x3 stride 2 pad 1 exclude pad', op: 'AveragePool', opset: 13, attrs: { kernel_shape: [3, 3], strides: [2, 2], pads: [1, 1, 1, 1] }, inputs: [x([2, 2, 7, 6])], wrt: ['x'] },
  { name: 'AveragePool count_include_pad=1 asymmetric pads', op: 'AveragePool', opset: 13, attrs: { kernel_shape: [3, 2], strides: [2, 1], pads: [1, 0, 2, 1], count_include_pad: 1 }, inputs: [x([1, 2, 6, 5])], wrt: ['x'] },
  { name: 'AveragePool ceil_mode exclude pad', op: 'AveragePool', opset: 11, attrs: { kernel_shape: [3, 3], strides: [2, 2], pads: [1, 1, 0, 0], ceil_mode: 1 }, inputs: [x([1, 1, 6, 6])], wrt: ['x'] },
  { name: 'AveragePool ceil_mode include pad', op: 'AveragePool', opset: 11, attrs: { kernel_shape: [3, 3], strides: [2, 2], pads: [1, 1, 1, 1], ceil_mode: 1, count_include_pad: 1 }, inputs: [x([1, 1, 6, 6])], wrt: ['x'] },
  { name: 'AveragePool SAME_LOWER (opset 9)', op: 'AveragePool', opset: 9, attrs: { kernel_shape: [2, 2], strides: [2, 2], auto_pad: 'SAME_LOWER' }, inputs: [x([1, 2, 5, 5])], wrt: ['x'] },
  { name: 'AveragePool 1-D', op: 'AveragePool', opset: 13, attrs: { kernel_shape: [3], strides: [2], pads: [1, 0] }, inputs: [x([2, 2, 8])], wrt: ['x'] },
  { name: 'AveragePool dilations (opset 19)', op: 'AveragePool', opset: 19, attrs: { kernel_shape: [2, 2], dilations: [2, 1], strides: [1, 1] }, inputs: [x([1, 1, 5, 4])], wrt: ['x'] },
];

const global: GradCase[] = [
  { name: 'GlobalAveragePool batch 2', op: 'GlobalAveragePool', opset: 13, inputs: [x([2, 3, 4, 5])], wrt: ['x'] },
  { name: 'GlobalAveragePool 1-D', op: 'GlobalAveragePool', opset: 13, inputs: [x([1, 2, 7])], wrt: ['x'] },
  { name: 'GlobalMaxPool batch 2', op: 'GlobalMaxPool', opset: 13, inputs: [x([2, 3, 3, 4])], wrt: ['x'] },
  { name: 'GlobalMaxPool 3-D', op: 'GlobalMaxPool', opset: 11, inputs: [x([1, 2, 2, 3, 2])], wrt: ['x'] },
];

gradCases('MaxPool backward', maxPool);
gradCases('AveragePool backward', avgPool);
gradCases('GlobalAveragePool/GlobalMaxPool backward', global);
