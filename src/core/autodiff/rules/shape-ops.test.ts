// Gradient checks of the data-movement ops: Flatten Reshape Transpose Squeeze Unsqueeze Concat Split
// Slice Gather Identity Dropout Expand Tile DepthToSpace SpaceToDepth, across the opset forms of each
// (attributes vs int64 inputs), batch > 1, negative axes/indices, steps ≠ 1 and clamped bounds.
// (Where, Cast and Dropout's mask/training_mode need bool or mixed-type graphs: see mixed-types.test.ts.)
import { gradCases } from '../../../../test/gradcheck/index.ts';
import type { CaseInput, GradCase } from '../../../../test/gradcheck/index.ts';

const x = (shape: number[]): CaseInput => ({ name: 'x', shape, kind: 'data' });
const ints = (name: string, values: number[], shape: number[] = [values.length]): CaseInput => ({ name, shape, kind: 'const', dtype: 'int64', values });
const BIG = 2 ** 62; // stands in for INT64_MAX (exact INT64_MAX/MIN: see slice-int64.test.ts)

gradCases('Flatten / Reshape / Squeeze / Unsqueeze backward', [
  { name: 'Flatten axis 1, batch 2, opset 9', op: 'Flatten', opset: 9, inputs: [x([2, 3, 2, 2])], wrt: ['x'] },
  { name: 'Flatten axis 0, opset 13', op: 'Flatten', opset: 13, attrs: { axis: 0 }, inputs: [x([2, 3, 2])], wrt: ['x'] },
  { name: 'Flatten axis -2, opset 13', op: 'Flatten', opset: 13, attrs: { axis: -2 }, inputs: [x([2, 3, 2, 2])], wrt: ['x'] },
  { name: 'Reshape [2,3,4] -> [4,-1], opset 13', op: 'Reshape', opset: 13, inputs: [x([2, 3, 4]), ints('shape', [4, -1])], wrt: ['x'] },
  { name: 'Reshape with 0 (copy dim), batch 3, opset 9', op: 'Reshape', opset: 9, inputs: [x([3, 2, 2, 2]), ints('shape', [0, -1])], wrt: ['x'] },
  { name: 'Reshape to scalar-free [24], opset 14', op: 'Reshape', opset: 14, inputs: [x([2, 3, 4]), ints('shape', [24])], wrt: ['x'] },
  { name: 'Squeeze axes attr [1], opset 11', op: 'Squeeze', opset: 11, attrs: { axes: [1] }, inputs: [x([2, 1, 3])], wrt: ['x'] },
  { name: 'Squeeze all size-1 axes (no axes), opset 11', op: 'Squeeze', opset: 11, inputs: [x([1, 3, 1, 2])], wrt: ['x'] },
  { name: 'Squeeze axes input [-1, 0], opset 13', op: 'Squeeze', opset: 13, inputs: [x([1, 3, 1]), ints('axes', [-1, 0])], wrt: ['x'] },
  { name: 'Unsqueeze axes attr [0, 3], opset 9', op: 'Unsqueeze', opset: 9, attrs: { axes: [0, 3] }, inputs: [x([2, 3])], wrt: ['x'] },
  { name: 'Unsqueeze axes input [-1], batch 2, opset 13', op: 'Unsqueeze', opset: 13, inputs: [x([2, 3]), ints('axes', [-1])], wrt: ['x'] },
  { name: 'Unsqueeze scalar, opset 21', op: 'Unsqueeze', opset: 21, inputs: [x([]), ints('axes', [0])], wrt: ['x'] },
]);

gradCases('Transpose / Identity / Dropout backward', [
  { name: 'Transpose NCHW -> NHWC, batch 2', op: 'Transpose', opset: 13, attrs: { perm: [0, 2, 3, 1] }, inputs: [x([2, 3, 2, 4])], wrt: ['x'] },
  { name: 'Transpose default perm (reverse), opset 9', op: 'Transpose', opset: 9, inputs: [x([2, 3, 4])], wrt: ['x'] },
  { name: 'Transpose ViT heads [B,T,H,D] -> [B,H,T,D]', op: 'Transpose', opset: 13, attrs: { perm: [0, 2, 1, 3] }, inputs: [x([2, 3, 2, 2])], wrt: ['x'] },
  { name: 'Identity, opset 13', op: 'Identity', opset: 13, inputs: [x([2, 3])], wrt: ['x'] },
  { name: 'Dropout ratio attr (inference), opset 10', op: 'Dropout', opset: 10, attrs: { ratio: 0.3 }, inputs: [x([2, 3, 4])], wrt: ['x'] },
  { name: 'Dropout ratio input (inference), opset 13', op: 'Dropout', opset: 13, inputs: [x([2, 3, 4]), { name: 'ratio', shape: [], kind: 'const', values: [0.25] }], wrt: ['x'] },
]);

gradCases('Concat / Split backward', [
  { name: 'Concat 3 inputs on channels, batch 2', op: 'Concat', opset: 13, attrs: { axis: 1 }, inputs: [{ name: 'a', shape: [2, 1, 2], kind: 'data' }, { name: 'b', shape: [2, 3, 2], kind: 'data' }, { name: 'c', shape: [2, 2, 2], kind: 'data' }], wrt: ['a', 'b', 'c'] },
  { name: 'Concat axis -1, only second input differentiated, opset 9', op: 'Concat', opset: 9, attrs: { axis: -1 }, inputs: [{ name: 'a', shape: [2, 3], kind: 'data' }, { name: 'b', shape: [2, 4], kind: 'data' }], wrt: ['b'] },
  { name: 'Concat with a constant (class token) input, opset 13', op: 'Concat', opset: 13, attrs: { axis: 1 }, inputs: [{ name: 'cls', shape: [2, 1, 3], kind: 'const' }, { name: 'p', shape: [2, 4, 3], kind: 'data' }], wrt: ['p', 'cls'] },
  { name: 'Split attr sizes [1,2], opset 11', op: 'Split', opset: 11, attrs: { axis: 1, split: [1, 2] }, outputs: 2, seedOutputs: [0, 1], inputs: [x([2, 3, 2])], wrt: ['x'] },
  { name: 'Split equal (no sizes) axis -1, opset 11', op: 'Split', opset: 11, attrs: { axis: -1 }, outputs: 3, seedOutputs: [0, 1, 2], inputs: [x([2, 6])], wrt: ['x'] },
  { name: 'Split sizes input [2,1,1], only outputs 0 and 2 seeded, opset 13', op: 'Split', opset: 13, attrs: { axis: 0 }, outputs: 3, seedOutputs: [0, 2], inputs: [x([4, 3]), ints('split', [2, 1, 1])], wrt: ['x'] },
  { name: 'Split num_outputs 3 (uneven 3,3,2), opset 18', op: 'Split', opset: 18, attrs: { axis: 1, num_outputs: 3 }, outputs: 3, seedOutputs: [1, 2], inputs: [x([2, 8])], wrt: ['x'] },
  { name: 'Split single output seeded of 2, batch 3, opset 13', op: 'Split', opset: 13, attrs: { axis: 1 }, outputs: 2, seedOutputs: [1], inputs: [x([3, 4, 2])], wrt: ['x'] },
]);

gradCases('Slice backward', [
  { name: 'Slice attrs, opset 9', op: 'Slice', opset: 9, attrs: { starts: [1, 0], ends: [3, 2], axes: [1, 2] }, inputs: [x([2, 4, 3])], wrt: ['x'] },
  { name: 'Slice attrs without axes, negative start, huge end, opset 9', op: 'Slice', opset: 9, attrs: { starts: [0, -2], ends: [1, BIG] }, inputs: [x([2, 4])], wrt: ['x'] },
  { name: 'Slice inputs, opset 10', op: 'Slice', opset: 10, inputs: [x([2, 5, 3]), ints('starts', [1]), ints('ends', [4]), ints('axes', [1])], wrt: ['x'] },
  { name: 'Slice step 2 on two axes, batch 2, opset 10', op: 'Slice', opset: 10, inputs: [x([2, 3, 7, 6]), ints('starts', [1, 0]), ints('ends', [7, 6]), ints('axes', [2, 3]), ints('steps', [2, 2])], wrt: ['x'] },
  { name: 'Slice step 3 with overhanging end, opset 13', op: 'Slice', opset: 13, inputs: [x([2, 8]), ints('starts', [1]), ints('ends', [BIG]), ints('axes', [-1]), ints('steps', [3])], wrt: ['x'] },
  { name: 'Slice step -1 (reverse whole axis), opset 13', op: 'Slice', opset: 13, inputs: [x([2, 5]), ints('starts', [-1]), ints('ends', [-BIG]), ints('axes', [1]), ints('steps', [-1])], wrt: ['x'] },
  { name: 'Slice step -2 partial, opset 13', op: 'Slice', opset: 13, inputs: [x([3, 7]), ints('starts', [5]), ints('ends', [0]), ints('axes', [1]), ints('steps', [-2])], wrt: ['x'] },
  { name: 'Slice ends past the dim and negative starts clamp, opset 11', op: 'Slice', opset: 11, inputs: [x([2, 4, 3]), ints('starts', [-10, 1]), ints('ends', [100, -1]), ints('axes', [1, 2])], wrt: ['x'] },
  { name: 'Slice ViT cls token x[:, 0:1], batch 3, opset 13', op: 'Slice', opset: 13, inputs: [x([3, 5, 4]), ints('starts', [0]), ints('ends', [1]), ints('axes', [1])], wrt: ['x'] },
  { name: 'Slice single element from a step-2 axis, opset 13', op: 'Slice', opset: 13, inputs: [x([2, 5]), ints('starts', [3]), ints('ends', [5]), ints('axes', [1]), ints('steps', [2])], wrt: ['x'] },
  { name: 'Slice mixed steps 2 and -1, opset 18', op: 'Slice', opset: 18, inputs: [x([4, 5, 3]), ints('starts', [0, -2]), ints('ends', [BIG, -BIG]), ints('axes', [0, 1]), ints('steps', [2, -1])], wrt: ['x'] },
]);

const idx = (values: number[], shape: number[] = [values.length]): CaseInput => ints('idx', values, shape);
function gatherCases(opset: number): GradCase[] {
  return [
    { name: `Gather axis 0 with repeated indices accumulate, opset ${opset}`, op: 'Gather', opset, inputs: [x([5, 3]), idx([2, 0, 2, 4])], wrt: ['x'] },
    { name: `Gather axis 1, 2-D indices with negatives, batch 2, opset ${opset}`, op: 'Gather', opset, attrs: { axis: 1 }, inputs: [x([2, 4, 3]), idx([0, -1, 1, 1], [2, 2])], wrt: ['x'] },
    { name: `Gather scalar index (ViT cls token) axis 1, opset ${opset}`, op: 'Gather', opset, attrs: { axis: 1 }, inputs: [x([3, 5, 2]), idx([0], [])], wrt: ['x'] },
    { name: `Gather axis -1 last axis, opset ${opset}`, op: 'Gather', opset, attrs: { axis: -1 }, inputs: [x([2, 3, 4]), idx([3, 3, 0])], wrt: ['x'] },
  ];
}
gradCases('Gather backward', [...gatherCases(11), ...gatherCases(13), ...gatherCases(16), ...gatherCases(18)]);

gradCases('Expand / Tile backward', [
  { name: 'Expand [3,1] -> [2,3,4], opset 13', op: 'Expand', opset: 13, inputs: [x([3, 1]), ints('shape', [2, 3, 4])], wrt: ['x'] },
  { name: 'Expand [1] -> [2,2], opset 8', op: 'Expand', opset: 8, inputs: [x([1]), ints('shape', [2, 2])], wrt: ['x'] },
  { name: 'Expand with shorter shape [4] on [2,3,1], opset 13', op: 'Expand', opset: 13, inputs: [x([2, 3, 1]), ints('shape', [4])], wrt: ['x'] },
  { name: 'Expand scalar -> [2,3], opset 13', op: 'Expand', opset: 13, inputs: [x([]), ints('shape', [2, 3])], wrt: ['x'] },
  { name: 'Expand no-op shape [1,1], opset 13', op: 'Expand', opset: 13, inputs: [x([2, 3]), ints('shape', [1, 1])], wrt: ['x'] },
  { name: 'Tile [2,3] x [2,1], opset 13', op: 'Tile', opset: 13, inputs: [x([2, 3]), ints('repeats', [2, 1])], wrt: ['x'] },
  { name: 'Tile batch [1,2,2] x [3,2,2], opset 9', op: 'Tile', opset: 9, inputs: [x([1, 2, 2]), ints('repeats', [3, 2, 2])], wrt: ['x'] },
  { name: 'Tile all ones (identity), opset 13', op: 'Tile', opset: 13, inputs: [x([2, 3]), ints('repeats', [1, 1])], wrt: ['x'] },
]);

gradCases('DepthToSpace / SpaceToDepth backward', [
  { name: 'DepthToSpace DCR (default), batch 2, opset 9', op: 'DepthToSpace', opset: 9, attrs: { blocksize: 2 }, inputs: [x([2, 8, 2, 3])], wrt: ['x'] },
  { name: 'DepthToSpace DCR explicit, opset 11', op: 'DepthToSpace', opset: 11, attrs: { blocksize: 2, mode: 'DCR' }, inputs: [x([1, 8, 2, 2])], wrt: ['x'] },
  { name: 'DepthToSpace CRD, batch 2, opset 13', op: 'DepthToSpace', opset: 13, attrs: { blocksize: 2, mode: 'CRD' }, inputs: [x([2, 8, 2, 3])], wrt: ['x'] },
  { name: 'DepthToSpace CRD blocksize 3, opset 11', op: 'DepthToSpace', opset: 11, attrs: { blocksize: 3, mode: 'CRD' }, inputs: [x([1, 9, 2, 1])], wrt: ['x'] },
  { name: 'SpaceToDepth blocksize 2, batch 2, opset 13', op: 'SpaceToDepth', opset: 13, attrs: { blocksize: 2 }, inputs: [x([2, 2, 4, 6])], wrt: ['x'] },
  { name: 'SpaceToDepth blocksize 3, opset 9', op: 'SpaceToDepth', opset: 9, attrs: { blocksize: 3 }, inputs: [x([1, 2, 3, 6])], wrt: ['x'] },
]);
