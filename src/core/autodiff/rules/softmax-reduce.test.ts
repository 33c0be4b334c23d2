// Gradient checks of Softmax, LogSoftmax (axis semantics before/after opset 13) and ReduceSum/Mean/Max.
import { distinctValues, gradCases } from '../../../../test/gradcheck/index.ts';
import type { GradCase } from '../../../../test/gradcheck/index.ts';

const d = (name: string, shape: number[]) => ({ name, shape, kind: 'data' as const });
const axesIn = (values: number[]) => ({ name: 'axes', shape: [values.length], kind: 'const' as const, dtype: 'int64' as const, values });
const dx = (shape: number[]) => ({ name: 'x', shape, kind: 'data' as const, prepare: distinctValues });

const softmax: GradCase[] = [
  { name: 'Softmax last axis (attention), batch 2', op: 'Softmax', opset: 13, inputs: [d('x', [2, 3, 4])], wrt: ['x'] },
  { name: 'Softmax axis 1 (opset 13)', op: 'Softmax', opset: 13, attrs: { axis: 1 }, inputs: [d('x', [2, 3, 4])], wrt: ['x'] },
  { name: 'Softmax opset 11 axis 1 = flattened tail', op: 'Softmax', opset: 11, attrs: { axis: 1 }, inputs: [d('x', [2, 3, 4])], wrt: ['x'] },
  { name: 'Softmax opset 9 default axis', op: 'Softmax', opset: 9, inputs: [d('x', [2, 2, 3])], wrt: ['x'] },
  { name: 'LogSoftmax last axis', op: 'LogSoftmax', opset: 13, inputs: [d('x', [3, 5])], wrt: ['x'] },
  { name: 'LogSoftmax opset 11 axis 2 of 4-D', op: 'LogSoftmax', opset: 11, attrs: { axis: 2 }, inputs: [d('x', [2, 2, 2, 3])], wrt: ['x'] },
];

const reduce: GradCase[] = [
  { name: 'ReduceSum opset 11 axes attr keepdims 0', op: 'ReduceSum', opset: 11, attrs: { axes: [1, 3], keepdims: 0 }, inputs: [d('x', [2, 3, 2, 2])], wrt: ['x'] },
  { name: 'ReduceSum opset 13 axes input keepdims 1', op: 'ReduceSum', opset: 13, inputs: [d('x', [2, 3, 4]), axesIn([-1])], wrt: ['x'] },
  { name: 'ReduceSum opset 13 no axes = all', op: 'ReduceSum', opset: 13, attrs: { keepdims: 0 }, inputs: [d('x', [2, 3])], wrt: ['x'] },
  { name: 'ReduceMean opset 13 spatial (GAP as ReduceMean)', op: 'ReduceMean', opset: 13, attrs: { axes: [2, 3], keepdims: 1 }, inputs: [d('x', [2, 3, 2, 3])], wrt: ['x'] },
  { name: 'ReduceMean opset 18 axes input keepdims 0', op: 'ReduceMean', opset: 18, attrs: { keepdims: 0 }, inputs: [d('x', [2, 4, 3]), axesIn([1])], wrt: ['x'] },
  { name: 'ReduceMean opset 9 default all axes', op: 'ReduceMean', opset: 9, inputs: [d('x', [3, 2])], wrt: ['x'] },
  { name: 'ReduceMax opset 13 axis 1 keepdims 0', op: 'ReduceMax', opset: 13, attrs: { axes: [1], keepdims: 0 }, inputs: [dx([2, 4, 3])], wrt: ['x'] },
  { name: 'ReduceMax opset 18 axes input', op: 'ReduceMax', opset: 18, inputs: [dx([2, 3, 2]), axesIn([0, 2])], wrt: ['x'] },
  { name: 'ReduceMax opset 11 all axes', op: 'ReduceMax', opset: 11, attrs: { keepdims: 0 }, inputs: [dx([3, 4])], wrt: ['x'] },
];

gradCases('Softmax/LogSoftmax backward', softmax);
gradCases('ReduceSum/ReduceMean/ReduceMax backward', reduce);
